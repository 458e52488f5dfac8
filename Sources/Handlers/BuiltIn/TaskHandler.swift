import Engine
import Foundation
import Logging
import Playbook

/// `task`: a step done by a person, who finishes it with the evidence the playbook asks for.
public struct TaskHandler: StepHandler {
    public init() {}

    public let type = "task"
    public let summary = "Opens a task for a person or team and waits until it is completed with the required evidence."

    static let evidenceField = ParameterSchema([
        ParameterField("name", .string, required: true, description: "the evidence field's name"),
        ParameterField("type", .enumeration(["string", "date", "enum", "bool", "number"]), description: "its type", default: .string("string")),
        ParameterField("values", .list(.string), description: "allowed values, for type enum"),
        ParameterField("required", .bool, description: "whether it must be given", default: .bool(true)),
        ParameterField("description", .string, description: "what to enter"),
    ])

    public var parameters: ParameterSchema {
        ParameterSchema([
            ParameterField("assignee", .string, required: true, description: "the team or person who does the task"),
            ParameterField("title", .string, required: true, description: "a short title"),
            ParameterField("instructions", .string, description: "what to do, step by step"),
            ParameterField("evidence", .list(.oneOf([.string, .object(Self.evidenceField)])),
                           description: "fields the person must fill in to complete the task (a name, or name/type/values)"),
            ParameterField("approvals", .object(ParameterSchema([
                ParameterField("required", .int, required: true, description: "how many approvals are needed"),
                ParameterField("approvers", .list(.string), required: true, description: "who may approve"),
            ])), description: "approvals needed after completion (never by the leaver or the person who completed it)"),
        ])
    }

    public func plan(_ request: HandlerPlanRequest) async throws -> ActionPreview {
        var details: [String] = []
        if case .list(let fields)? = request.parameters["evidence"], !fields.isEmpty {
            let names = fields.compactMap { field -> String? in
                if case .object(let object) = field { return object["name"]?.displayText }
                return field.displayText
            }
            details.append("evidence required: " + names.joined(separator: ", "))
        }
        if case .object(let approvals)? = request.parameters["approvals"] {
            let needed = approvals["required"]?.displayText ?? "?"
            details.append("needs \(needed) approval(s)")
        }
        return ActionPreview("open a task for \(request.text("assignee")): \(request.quoted("title"))", details: details)
    }

    /// Opens the task and waits for a person: the step stays `waiting` (durably, across restarts)
    /// until it is completed with its evidence. Completing tasks (`offboard task …`) arrives with
    /// the people-in-the-loop work; until then the run waits at this step, and nothing that does
    /// not need it is held up.
    public func execute(_ context: ExecutionContext) async throws -> StepOutcome {
        let assignee = context.parameters["assignee"]?.displayText ?? "?"
        let title = context.parameters["title"]?.displayText ?? "?"
        context.logger.notice("task opened for \(assignee): \(title)")
        return .waitUntil(.distantFuture)
    }
}
