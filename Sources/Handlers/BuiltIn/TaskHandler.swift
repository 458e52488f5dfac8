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
        ParameterField("expect", .oneOf([.bool, .string, .int]),
                       description: "the value it must have (confirmed: true); another value is recorded and fails the step"),
        ParameterField("findings", .list(.string), description: "values that are an open finding in the evidence (condition: missing)"),
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
                guard case .object(let object) = field else { return field.displayText }
                guard let name = object["name"]?.displayText else { return nil }
                return object["required"] == .bool(false) ? "\(name) (optional)" : name
            }
            details.append("evidence: " + names.joined(separator: ", "))
        }
        if case .object(let approvals)? = request.parameters["approvals"] {
            let needed = approvals["required"]?.displayText ?? "?"
            details.append("needs \(needed) approval(s)")
        }
        return ActionPreview("open a task for \(request.text("assignee")): \(request.quoted("title"))", details: details)
    }

    /// Opens the task: the step stays with the person (durably, across restarts) until they
    /// complete it with its evidence (`offboard complete`) and, when it needs them, it has its
    /// approvals (`offboard approve`). Nothing that does not need the step is held up.
    public func execute(_ context: ExecutionContext) async throws -> StepOutcome {
        let task = try Self.spec(context.parameters)
        context.logger.notice("task opened for \(task.assignee): \(task.title)")
        return .openTask(task)
    }

    /// The task as a person sees it, from the rendered parameters.
    static func spec(_ parameters: [String: Value]) throws -> TaskSpec {
        guard let assignee = parameters["assignee"]?.displayText, !assignee.isEmpty,
              let title = parameters["title"]?.displayText, !title.isEmpty else {
            throw HandlerFailure("a task needs an assignee and a title", retryable: false)
        }
        var fields: [EvidenceField] = []
        if case .list(let items)? = parameters["evidence"] {
            for item in items {
                switch item {
                case .object(let object):
                    guard let name = object["name"]?.displayText else { continue }
                    let type = object["type"]?.displayText.flatMap(EvidenceType.init(rawValue:)) ?? .string
                    var values: [String]?
                    if case .list(let allowed)? = object["values"] { values = allowed.compactMap(\.displayText) }
                    if type == .enum, values?.isEmpty ?? true {
                        throw HandlerFailure("evidence '\(name)' is an enum but lists no values", retryable: false)
                    }
                    var required = true
                    if case .bool(let flag)? = object["required"] { required = flag }
                    var field = EvidenceField(name: name, type: type, values: values, required: required, description: object["description"]?.displayText)
                    if let expected = object["expect"] {
                        guard let text = expected.displayText, let value = field.parse(text) else {
                            throw HandlerFailure("evidence '\(name)': expect must be \(field.expectation)", retryable: false)
                        }
                        field.expected = value
                    }
                    if case .list(let findings)? = object["findings"] { field.findings = findings.compactMap(\.displayText) }
                    fields.append(field)
                default:
                    if let name = item.displayText { fields.append(EvidenceField(name: name)) }
                }
            }
        }
        var approvals: ApprovalRule?
        if case .object(let rule)? = parameters["approvals"], case .int(let required)? = rule["required"] {
            var approvers: [String] = []
            if case .list(let names)? = rule["approvers"] { approvers = names.compactMap(\.displayText) }
            guard required >= 1, required <= approvers.count else {
                throw HandlerFailure("approvals: required is \(required), but there are \(approvers.count) approver(s)", retryable: false)
            }
            approvals = ApprovalRule(required: required, approvers: approvers)
        }
        return TaskSpec(assignee: assignee, title: title, instructions: parameters["instructions"]?.displayText, evidence: fields, approvals: approvals)
    }
}
