import Foundation
import Playbook

/// The type of one evidence field a person fills in to complete a task.
public enum EvidenceType: String, Sendable, Hashable, Codable, CaseIterable {
    case string, date, `enum`, bool, number
}

/// One field of evidence a task demands (an asset tag, a destruction certificate's number).
public struct EvidenceField: Sendable, Hashable, Codable {
    public var name: String
    public var type: EvidenceType
    /// The allowed values, for `enum`.
    public var values: [String]?
    public var required: Bool
    public var description: String?
    /// The value the field must have (`confirmed` must be `true`): another value is recorded, and the
    /// step fails and follows its `on_failure`.
    public var expected: JSONValue?
    /// Values that are an open finding in the evidence (a device recorded `missing`), not a plain success.
    public var findings: [String]?

    public init(name: String, type: EvidenceType = .string, values: [String]? = nil, required: Bool = true, description: String? = nil,
                expected: JSONValue? = nil, findings: [String]? = nil) {
        self.name = name
        self.type = type
        self.values = values
        self.required = required
        self.description = description
        self.expected = expected
        self.findings = findings
    }
}

/// Who must sign off a completed task: `required` distinct people from `approvers`.
public struct ApprovalRule: Sendable, Hashable, Codable {
    public var required: Int
    public var approvers: [String]

    public init(required: Int, approvers: [String]) {
        self.required = required
        self.approvers = approvers
    }
}

/// A task as opened for a person: rendered when the step started, journaled, and what completion
/// and approvals are checked against.
public struct TaskSpec: Sendable, Hashable, Codable {
    public var assignee: String
    public var title: String
    public var instructions: String?
    public var evidence: [EvidenceField]
    public var approvals: ApprovalRule?

    public init(assignee: String, title: String, instructions: String? = nil, evidence: [EvidenceField] = [], approvals: ApprovalRule? = nil) {
        self.assignee = assignee
        self.title = title
        self.instructions = instructions
        self.evidence = evidence
        self.approvals = approvals
    }
}

/// A person's completion of a task, with the evidence they gave (typed by the task's fields).
public struct TaskCompletion: Sendable, Hashable, Codable {
    public var by: String
    public var evidence: [String: JSONValueBox]

    public init(by: String, evidence: [String: JSONValue]) {
        self.by = by
        self.evidence = evidence.mapValues(JSONValueBox.init)
    }

    /// The evidence as one JSON object (the step's output).
    public var evidenceObject: JSONValue { .object(evidence.mapValues(\.value)) }
}

/// Why a person's request was refused (a task action, a reschedule, a reversal); every problem at once.
public struct RequestRefused: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// What would let the request through, when one thing would: each front end says it in its own words (an option
    /// on the command line, a field over the API), so the problems themselves name no front end's words.
    public enum Remedy: Sendable, Hashable, Codable {
        /// The task is done once per item: name one of these.
        case nameTheItem(of: [String])
        /// The new time is in the past: allow that explicitly.
        case allowThePast
        /// The run must be finished first.
        case cancelFirst
    }

    /// What kind of refusal it is: a front end chooses its answer by it (an exit code, an HTTP status, a notice).
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        /// The run's state does not allow it now (finished, not failed, not finished yet).
        case runState = "run-state"
        /// It was done already; nothing changed.
        case alreadyDone = "already-done"
        /// The run has no such task, or the step is not a task waiting for a person.
        case noSuchTask = "no-such-task"
        /// The task is not at the point where this applies (not completed yet, or closed).
        case taskState = "task-state"
        /// A fanned-out task needs its item named (`remedy` lists the items).
        case itemRequired = "item-required"
        /// This person may not do it: not an approver, the one who completed the task, or the leaver.
        case notPermitted = "not-permitted"
        /// A value given is wrong (evidence, a date, a reason, a name): `field` says which, when one does.
        case invalidValue = "invalid-value"
        /// A new time is in the past (`remedy`: allow that).
        case timeInPast = "time-in-past"
        /// There is nothing to do: no step to undo, no task to approve.
        case nothingToDo = "nothing-to-do"
        /// Anything else the run refused (a journal that does not apply, a request of a kind this release does not know).
        case refused
    }

    public var code: Code
    /// The field or input the refusal concerns (`reason`, `evidence`, an input's name), when one does.
    public var field: String?
    /// The facts, in plain words that name no front end's options; each front end adds its own.
    public var problems: [String]
    public var remedy: Remedy?

    /// The values given were wrong (evidence, a time, a reason), rather than the action not being allowed now.
    public var isInvalidInput: Bool { code == .invalidValue || code == .timeInPast }

    public init(_ code: Code, _ problems: [String], field: String? = nil, remedy: Remedy? = nil) {
        self.code = code
        self.problems = problems
        self.field = field
        self.remedy = remedy
    }

    public init(_ code: Code, _ problem: String, field: String? = nil, remedy: Remedy? = nil) {
        self.init(code, [problem], field: field, remedy: remedy)
    }

    /// A refusal that is only its words (a journal that does not apply; one kept before refusals had codes).
    public init(_ problem: String) { self.init(.refused, [problem]) }

    public var description: String { problems.joined(separator: "\n") }
}

extension TaskSpec {
    /// Turns `key=value` text into typed evidence, or refuses with every problem: a missing
    /// required field, an unknown field (with the closest name), a value of the wrong type, a date
    /// after `today` (evidence records what has happened: a destruction dated tomorrow is refused).
    public func typedEvidence(_ given: [String: String], today: LocalDate? = nil) throws(RequestRefused) -> [String: JSONValue] {
        var problems: [String] = []
        var typed: [String: JSONValue] = [:]
        let names = evidence.map(\.name)
        for key in given.keys.sorted() where !names.contains(key) {
            let hint = Suggestion.closest(to: key, in: names).map { "; did you mean '\($0)'?" } ?? ""
            problems.append(names.isEmpty ? "this task takes no evidence, but '\(key)' was given"
                                          : "unknown evidence field '\(key)'\(hint) (fields: \(names.joined(separator: ", ")))")
        }
        for field in evidence {
            guard let text = given[field.name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
                if field.required { problems.append("missing evidence '\(field.name)': \(field.expectation)") }
                continue
            }
            if let value = field.parse(text) {
                if field.type == .date, let today, case .string(let written) = value, let date = LocalDate(parsing: written), date > today {
                    problems.append("evidence '\(field.name)' is later than today (\(today)): record it once it has happened")
                }
                typed[field.name] = value
            } else {
                // The value is not repeated: what a person typed may be personal, and they know what they sent.
                problems.append("evidence '\(field.name)' must be \(field.expectation)")
            }
        }
        if !problems.isEmpty { throw RequestRefused(.invalidValue, problems, field: "evidence") }
        return typed
    }
}

extension EvidenceField {
    /// A placeholder for the value in a command a person fills in: `VALUE`, `YYYY-MM-DD`, `true|false`… in capitals.
    public var placeholder: String {
        switch type {
        case .string: return "TEXT"
        case .date: return "YYYY-MM-DD"
        case .enum: return "CHOICE"
        case .bool: return "true-or-false"
        case .number: return "NUMBER"
        }
    }

    /// What a value must look like, for messages.
    public var expectation: String {
        switch type {
        case .string: return "text"
        case .date: return "a date (YYYY-MM-DD)"
        case .enum: return "one of " + (values ?? []).joined(separator: ", ")
        case .bool: return "true or false"
        case .number: return "a number"
        }
    }

    /// The value as JSON, or nil when the text is not of the field's type.
    public func parse(_ text: String) -> JSONValue? {
        switch type {
        case .string: return .string(text)
        case .date: return LocalDate(parsing: text).map { .string($0.description) }
        case .enum: return (values ?? []).contains(text) ? .string(text) : nil
        case .bool:
            // As for inputs: true or false, nothing else (a "yes" is not read as a confirmation).
            switch text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: return nil
            }
        case .number:
            if let int = Int(text) { return .int(int) }
            if let double = Double(text), double.isFinite { return .number(double) }
            return nil
        }
    }
}

extension TaskSpec {
    /// Why evidence that was well-typed still does not do (a field's `expect:` not met), or nil.
    public func unmetExpectation(_ evidence: [String: JSONValue]) -> String? {
        let unmet = self.evidence.compactMap { field -> String? in
            guard let expected = field.expected, let given = evidence[field.name], given != expected else { return nil }
            return "evidence '\(field.name)' is \(given.readableText), but the task requires \(expected.readableText)"
        }
        return unmet.isEmpty ? nil : unmet.joined(separator: "; ")
    }

    /// The findings the evidence records (`condition: missing`), as "condition missing".
    public func findings(in evidence: [String: JSONValue]) -> [String] {
        self.evidence.compactMap { field in
            guard let findings = field.findings, case .string(let value)? = evidence[field.name], findings.contains(value) else { return nil }
            return "\(field.name) \(value)"
        }
    }
}

extension JSONValue {
    /// `true`, `3`, `text`: a scalar as a person reads it in a message.
    public var readableText: String {
        switch self {
        case .string(let text): return text
        case .bool(let flag): return String(flag)
        case .int(let number): return String(number)
        case .number(let number): return String(number)
        case .null: return "null"
        case .array, .object: return String(decoding: canonicalData(), as: UTF8.self)
        }
    }
}

/// Who rejected (or declined) a task, and why.
public struct TaskRejection: Sendable, Hashable, Codable {
    public var by: String
    public var reason: String
}
