import Engine
import Foundation
import Playbook

/// Describes journal entries as one line each, for people.
public enum JournalText {
    /// One line for `entry`; nil for bookkeeping entries unless `everything` (as `history` shows).
    public static func describe(_ entry: JournalEntry, everything: Bool = false) -> String? {
        switch entry.event {
        case .runStarted: return "run started"
        case .stepExpanded(let step, let items):
            guard everything else { return nil }
            return items.map { "\(step) is ready, for \($0.count) item(s): \($0.map(\.id).joined(separator: ", "))" } ?? "\(step) is ready"
        case .stepCleared(let step): return everything ? "\(step) cleared for redrive" : nil
        case .cancelRequested(let reason, let by): return "cancel requested by \(by): \(reason)"
        case .redriven(let step, let by): return "redriven by \(by)\(step.map { " from \($0)" } ?? "")"
        case .runFinished(let state): return "run \(state.rawValue)"
        case .deadlineSet(let instance, let due): return everything ? "\(instance) is due by \(DateText.iso8601(due))" : nil
        case .deadlineMissed(let instance, let due): return "\(instance) missed its deadline (\(DateText.iso8601(due))) and is overdue"
        case .escalationAdded(let step, let item): return "\(step) escalates \(item.id)"
        case .reversalStarted(let steps, let by, let reason):
            return "reversal started by \(by) (\(reason)): undoing \(steps.joined(separator: ", ")), in that order"
        case .rescheduled(let changes, let by, let reason):
            let moved = changes.sorted { $0.key < $1.key }.map { "\($0.key) → \($0.value)" }.joined(separator: ", ")
            return "rescheduled by \(by): \(moved) (\(reason))"
        case .step(let instance, let event):
            let name = instance.description
            switch event {
            case .schedule(let date):
                if date.timeIntervalSince(entry.at) >= 1 { return "\(name) scheduled for \(DateText.iso8601(date))" }
                return everything ? "\(name) is due now" : nil
            case .skip(let reason): return "\(name) skipped: \(reason)"
            case .start(let attempt): return "\(name) started\(attempt > 1 ? " (attempt \(attempt))" : "")"
            case .succeed(_, let verification, let removal):
                return "\(name) succeeded" + (removal.map { "; \($0.sentence)" } ?? "") + (verification.map { "; verified: \($0.detail)" } ?? "")
            case .fail(let message, _, let retryAt):
                return "\(name) failed: \(message)" + (retryAt.map { "; retrying at \(DateText.iso8601($0))" } ?? "")
            case .interrupt: return "\(name) was interrupted (its process stopped, or an upgrade reopens it); running it again with the same idempotency key"
            case .suspend(let until) where until >= .distantFuture: return "\(name) waiting for a person"
            case .suspend(let until): return "\(name) waiting until \(DateText.iso8601(until))"
            case .fire: return "\(name) finished waiting"
            case .cancel(let reason): return "\(name) cancelled: \(reason)"
            case .reset: return "\(name) reset for redrive"
            case .reschedule(let date): return "\(name) rescheduled for \(DateText.iso8601(date))"
            case .openTask(let task): return "\(name) waiting for \(task.assignee): \(task.title)"
            case .complete(let completion): return "\(name) completed by \(completion.by)"
            case .approve(let by, let approver): return "\(name) approved by \(StepEvent.signer(by, for: approver))"
            case .reject(let by, let reason): return "\(name) rejected by \(by): \(reason)"
            }
        }
    }
}

/// One journal entry as `history --format json` prints it.
public struct HistoryLine: Encodable, Sendable {
    public var sequence: Int
    public var at: String
    public var type: String
    public var instance: String?
    /// The entry as `history` prints it in text.
    public var text: String
    public var event: RunEvent

    public init(_ entry: JournalEntry) {
        sequence = entry.sequence
        at = DateText.iso8601(entry.at, fractionalSeconds: true)
        type = entry.event.typeName
        instance = entry.event.instance?.description
        text = JournalText.describe(entry, everything: true) ?? entry.event.typeName
        event = entry.event
    }
}
