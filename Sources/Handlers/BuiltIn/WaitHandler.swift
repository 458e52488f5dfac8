import Engine
import Playbook

/// `wait`: holds the run until a time or for a duration, durably.
public struct WaitHandler: StepHandler {
    public init() {}

    public let type = "wait"
    public let summary = "Waits until a time or for a duration; the wait survives restarts."

    public var parameters: ParameterSchema {
        ParameterSchema([
            ParameterField("until", .datetime, description: "wait until this time"),
            ParameterField("for", .duration, description: "wait this long"),
        ], exactlyOneOf: [["until", "for"]])
    }

    public func plan(_ request: HandlerPlanRequest) async throws -> ActionPreview {
        if request.parameters["until"] != nil { return ActionPreview("wait until \(request.text("until"))") }
        return ActionPreview("wait for \(request.text("for"))")
    }
}
