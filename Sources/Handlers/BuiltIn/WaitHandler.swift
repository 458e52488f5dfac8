import Engine
import Foundation
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

    /// Asks the executor to come back at the time; the wait is journaled, so it survives restarts.
    /// `for` counts from the first attempt's start, so a restart does not lengthen it.
    public func execute(_ context: ExecutionContext) async throws -> StepOutcome {
        let now = context.clock.now()
        switch (context.parameters["until"], context.parameters["for"]) {
        case (.datetime(let date)?, _):
            return date <= now ? .completed(.object(["waited_until": .string(DateText.iso8601(date))])) : .waitUntil(date)
        case (.string(let text)?, _):
            guard let date = DateText.parseDateTime(text, defaultTimeZone: nil) else {
                throw HandlerFailure("until: '\(text)' is not a date-time", retryable: false)
            }
            return date <= now ? .completed(.object(["waited_until": .string(text)])) : .waitUntil(date)
        case (_, .duration(let duration)?):
            return .waitUntil(now.addingTimeInterval(TimeInterval(duration.seconds)))
        case (_, .string(let text)?):
            guard let duration = PlaybookDuration(parsing: text) else { throw HandlerFailure("for: '\(text)' is not a duration", retryable: false) }
            return .waitUntil(now.addingTimeInterval(TimeInterval(duration.seconds)))
        default:
            throw HandlerFailure("wait needs until or for", retryable: false)
        }
    }
}
