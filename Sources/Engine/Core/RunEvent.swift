import Foundation
import Playbook

/// The state of a whole run.
public enum RunState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Created, not yet started by a worker.
    case pending
    /// Has work to do now.
    case running
    /// Nothing to do until a time (a `wait`, a back-off, a step's `at`).
    case waiting
    case succeeded
    case failed
    case cancelled
    /// Its steps' compensations ran, newest first, and all succeeded (`offboard reverse`).
    case reversed

    public var isFinished: Bool { self == .succeeded || self == .failed || self == .cancelled || self == .reversed }
}

/// One fan-out element recorded when a `for_each` step is expanded, so a replay never
/// re-evaluates the list.
public struct FanOutItem: Sendable, Hashable, Codable {
    public var id: String
    public var value: JSONValueBox

    public init(id: String, value: JSONValue) {
        self.id = id
        self.value = JSONValueBox(value)
    }
}

/// Everything that happens to a run, as journaled. Replaying these in order rebuilds the run.
public enum RunEvent: Sendable, Hashable, Codable {
    /// The run began; `facts` (recorded since evidence format 2) say what it is, for checking the run row.
    case runStarted(facts: RunStartFacts? = nil)
    /// A step's instances were created: one with a nil item, or one per fan-out item.
    case stepExpanded(step: String, items: [FanOutItem]?)
    /// A step's instances were all removed by a redrive, to be expanded again.
    case stepCleared(step: String)
    case step(instance: InstanceKey, event: StepEvent)
    case cancelRequested(reason: String, by: String)
    case redriven(step: String?, by: String)
    case runFinished(state: RunState)
    /// When an instance must be done by (from when it became ready, or an absolute time); set
    /// again when a reschedule moves it.
    case deadlineSet(instance: InstanceKey, due: Date)
    /// The instance was not done by its deadline: it is overdue, and its `on_deadline` steps run.
    case deadlineMissed(instance: InstanceKey, due: Date)
    /// An instance of an `on_deadline` step was added for one missed deadline (its item names it).
    case escalationAdded(step: String, item: FanOutItem)
    /// The run is being reversed: the compensations of these steps (those that succeeded, newest
    /// first) run in that order.
    case reversalStarted(steps: [String], by: String, reason: String)
    /// Time inputs changed on a running run (the leave time moved), as ISO 8601 text, with who and why.
    case rescheduled(changes: [String: String], by: String, reason: String)

    /// A short name for the journal's `type` column.
    public var typeName: String {
        switch self {
        case .runStarted: return "run.started"
        case .stepExpanded: return "step.expanded"
        case .stepCleared: return "step.cleared"
        case .step(_, let event): return "step.\(event.name)"
        case .cancelRequested: return "run.cancel-requested"
        case .redriven: return "run.redriven"
        case .runFinished: return "run.finished"
        case .deadlineSet: return "deadline.set"
        case .deadlineMissed: return "deadline.missed"
        case .escalationAdded: return "escalation.added"
        case .rescheduled: return "run.rescheduled"
        case .reversalStarted: return "run.reversal-started"
        }
    }

    /// The instance an event is about, if any.
    public var instance: InstanceKey? {
        switch self {
        case .step(let instance, _), .deadlineSet(let instance, _), .deadlineMissed(let instance, _): return instance
        case .runStarted, .stepExpanded, .stepCleared, .cancelRequested, .redriven, .runFinished, .escalationAdded, .reversalStarted, .rescheduled:
            return nil
        }
    }
}

/// An event with the time it was recorded; the journal is a list of these.
public struct JournalEntry: Sendable, Hashable, Codable {
    public var sequence: Int
    public var at: Date
    public var event: RunEvent

    public init(sequence: Int, at: Date, event: RunEvent) {
        self.sequence = sequence
        self.at = at
        self.event = event
    }
}
