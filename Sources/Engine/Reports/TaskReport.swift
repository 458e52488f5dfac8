import Foundation
import Playbook

/// A task waiting for a person, as `offboard tasks` lists it.
public struct TaskReport: Sendable, Codable, Hashable {
    /// The approvals a completed task still needs.
    public struct Approvals: Sendable, Codable, Hashable {
        public var required: Int
        public var approvers: [String]
        public var given: [String]
    }

    public var run: String
    public var step: String
    public var item: String?
    public var assignee: String
    public var title: String
    public var instructions: String?
    /// `awaiting-person` or `awaiting-approval`.
    public var state: String
    public var evidence: [EvidenceField]
    public var approvals: Approvals?
    public var completedBy: String?
    public var openedAt: Date?
    public var due: Date?
    public var overdue: Bool

    enum CodingKeys: String, CodingKey {
        case run, step, item, assignee, title, instructions, state, evidence, approvals, due, overdue
        case completedBy = "completed_by", openedAt = "opened_at"
    }

    /// Whether `person` is asked to act: the assignee of an open task, or an approver still
    /// missing from a completed one (names compare without regard to case).
    public func isFor(_ person: String) -> Bool {
        let same = { (name: String) in name.caseInsensitiveCompare(person) == .orderedSame }
        if state == StepState.awaitingPerson.name { return same(assignee) }
        guard let approvals else { return false }
        return approvals.approvers.contains(where: same) && !approvals.given.contains(where: same)
    }

    /// The run's tasks that wait for a person, in the order they were opened.
    public static func open(in core: RunCore, journal: [JournalEntry], now: Date) -> [TaskReport] {
        var openedAt: [InstanceKey: Date] = [:]
        for entry in journal {
            if case .step(let key, .openTask) = entry.event { openedAt[key] = entry.at }
        }
        return core.orderedInstances.compactMap { record in
            guard record.state.isWithPerson, let task = record.task else { return nil }
            let overdue = record.missedDeadline || (record.deadline.map { $0 <= now } ?? false)
            return TaskReport(run: core.runID, step: record.key.step, item: record.key.item, assignee: task.assignee, title: task.title,
                              instructions: task.instructions, state: record.state.name, evidence: task.evidence,
                              approvals: task.approvals.map { Approvals(required: $0.required, approvers: $0.approvers, given: record.approvals) },
                              completedBy: record.completion?.by, openedAt: openedAt[record.key], due: record.deadline, overdue: overdue)
        }
    }
}
