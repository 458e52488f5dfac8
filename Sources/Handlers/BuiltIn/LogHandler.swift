import Engine
import Logging
import Playbook

/// `log`: writes a message into the run's journal and log.
public struct LogHandler: StepHandler {
    public init() {}

    public let type = "log"
    public let summary = "Records a message in the run's journal and log."

    public var parameters: ParameterSchema {
        ParameterSchema([
            ParameterField("message", .string, required: true, description: "the text to record"),
            ParameterField("level", .enumeration(["info", "notice", "warning", "error"]), description: "severity", default: .string("info")),
        ])
    }

    public func plan(_ request: HandlerPlanRequest) async throws -> ActionPreview {
        let level = request.parameters["level"].flatMap { $0.displayText } ?? "info"
        return ActionPreview("record \(request.quoted("message")) (\(level))")
    }

    public func execute(_ context: ExecutionContext) async throws -> StepOutcome {
        let message = context.parameters["message"]?.displayText ?? ""
        let level = context.parameters["level"]?.displayText ?? "info"
        let logLevel: Logger.Level = ["notice": .notice, "warning": .warning, "error": .error][level] ?? .info
        context.logger.log(level: logLevel, "\(message)")
        return .completed(.object(["message": .string(message), "level": .string(level)]))
    }
}
