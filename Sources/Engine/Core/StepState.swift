import Playbook
import Foundation

/// Where one step instance is in its life.
///
/// ```
/// pending ─schedule─▶ scheduled ─start─▶ running ─succeed─▶ succeeded
///    │                   │  ▲              │ ├─fail (retry left)─▶ retrying ─start─▶ running
///    ├─skip─▶ skipped     │  └─interrupt───┘ ├─fail (no retry)──▶ failed ─reset─▶ pending
///    └─fail─▶ failed      └─fail─▶ failed    ├─suspend─▶ waiting ─fire─▶ succeeded
///                                            └─open-task─▶ awaiting-person ─complete─▶ awaiting-approval ─succeed─▶ succeeded
///                                                          awaiting-person/-approval ─reject─▶ failed; awaiting-approval ─approve─▶ itself
/// scheduled ─reschedule─▶ scheduled (a new start time)
/// any non-terminal state ─cancel─▶ cancelled ─reset─▶ pending
/// ```
public enum StepState: Sendable, Hashable, Codable {
    /// Waiting for the steps it needs.
    case pending
    /// Ready; starts at `notBefore`.
    case scheduled(notBefore: Date)
    /// An attempt is executing.
    case running(attempt: Int)
    /// An attempt failed and the next one starts at `until`.
    case retrying(attempt: Int, until: Date)
    /// The handler asked to wait (a `wait` step) until `until`.
    case waiting(until: Date)
    /// A task is open: a person must complete it with its evidence.
    case awaitingPerson
    /// The task was completed; it waits for its approvals.
    case awaitingApproval
    case succeeded
    case failed
    case skipped
    case cancelled

    /// The state's name as stored and shown (`running`, `retrying`…).
    public var name: String {
        switch self {
        case .pending: return "pending"
        case .scheduled: return "scheduled"
        case .running: return "running"
        case .retrying: return "retrying"
        case .waiting: return "waiting"
        case .awaitingPerson: return "awaiting-person"
        case .awaitingApproval: return "awaiting-approval"
        case .succeeded: return "succeeded"
        case .failed: return "failed"
        case .skipped: return "skipped"
        case .cancelled: return "cancelled"
        }
    }

    /// No further event changes it, except a redrive's reset of a failed or cancelled step.
    public var isTerminal: Bool {
        switch self {
        case .succeeded, .failed, .skipped, .cancelled: return true
        case .pending, .scheduled, .running, .retrying, .waiting, .awaitingPerson, .awaitingApproval: return false
        }
    }

    /// Waiting for a person (a task to complete or approve), not for the clock or a handler.
    public var isWithPerson: Bool { self == .awaitingPerson || self == .awaitingApproval }

    /// Finished in a way that lets the steps that need it go ahead.
    public var isDone: Bool { self == .succeeded || self == .skipped }

    /// When this state next needs attention from the clock.
    public var wakeTime: Date? {
        switch self {
        case .scheduled(let date), .retrying(_, let date), .waiting(let date): return date
        case .pending, .running, .awaitingPerson, .awaitingApproval, .succeeded, .failed, .skipped, .cancelled: return nil
        }
    }
}

/// What can happen to one step instance; each is journaled (inside a `RunEvent`).
public enum StepEvent: Sendable, Hashable, Codable {
    case schedule(notBefore: Date)
    case skip(reason: String)
    case start(attempt: Int)
    /// Done; `verification` is the handler's independent check that the effect holds, when it has one,
    /// and `removal` what a step that ends access found and changed, when its handler said.
    case succeed(output: JSONValueBox, verification: VerificationResult? = nil, removal: AccessRemoval? = nil)
    /// An attempt failed; `retryAt` is when the next attempt starts, nil when no attempt is left.
    case fail(message: String, retryable: Bool, retryAt: Date?)
    /// The process running an attempt died; the attempt runs again with the same idempotency key.
    case interrupt(at: Date)
    case suspend(until: Date)
    case fire
    /// The handler opened a task for a person (a `task` step).
    case openTask(TaskSpec)
    /// A person completed the task with its evidence.
    case complete(TaskCompletion)
    /// One approver signed the completed task off.
    /// `asApprover`: the approver named in the playbook (a team such as `dpo`) that the person `by` signs for,
    /// when they are not named themselves (someone signed in to the console with that team's role).
    case approve(by: String, asApprover: String? = nil)
    /// The task was rejected (or declined): the step fails and follows `on_failure`.
    case reject(by: String, reason: String)
    /// The start time moved (the leave time was rescheduled).
    case reschedule(notBefore: Date)
    case cancel(reason: String)
    /// Redrive: a failed or cancelled step goes back to pending.
    case reset

    /// The event's name, for errors and the journal.
    public var name: String {
        switch self {
        case .schedule: return "schedule"
        case .skip: return "skip"
        case .start: return "start"
        case .succeed: return "succeed"
        case .fail: return "fail"
        case .interrupt: return "interrupt"
        case .suspend: return "suspend"
        case .fire: return "fire"
        case .openTask: return "open-task"
        case .complete: return "complete"
        case .approve: return "approve"
        case .reject: return "reject"
        case .reschedule: return "reschedule"
        case .cancel: return "cancel"
        case .reset: return "reset"
        }
    }
}

/// An event that is not allowed in the step's current state.
public struct IllegalTransition: Error, Sendable, Hashable, CustomStringConvertible {
    public var instance: String
    public var state: String
    public var event: String

    public var description: String { "step \(instance): '\(event)' is not allowed while \(state)" }
}

/// The one transition function of a step instance.
public enum StepTransition {
    /// The state after `event`, or `IllegalTransition`. `attempts` is the number of attempts started so far.
    public static func apply(_ event: StepEvent, to state: StepState, attempts: Int, instance: String) throws(IllegalTransition) -> StepState {
        switch (state, event) {
        case (.pending, .schedule(let date)): return .scheduled(notBefore: date)
        case (.pending, .skip): return .skipped
        case (.pending, .fail(_, _, nil)), (.scheduled, .fail(_, _, nil)): return .failed
        case (.scheduled, .start(let attempt)) where attempt == attempts + 1: return .running(attempt: attempt)
        case (.retrying(let previous, _), .start(let attempt)) where attempt == previous + 1 && attempt == attempts + 1:
            return .running(attempt: attempt)
        case (.running, .succeed): return .succeeded
        case (.running(let attempt), .fail(_, _, let retryAt?)): return .retrying(attempt: attempt, until: retryAt)
        case (.running, .fail(_, _, nil)): return .failed
        case (.running, .interrupt(let at)): return .scheduled(notBefore: at)
        // A wait for a person journaled before tasks had states of their own: opened again as a task.
        case (.waiting(let until), .interrupt(let at)) where until >= .distantFuture: return .scheduled(notBefore: at)
        case (.running, .suspend(let until)): return .waiting(until: until)
        case (.waiting, .fire): return .succeeded
        case (.scheduled, .reschedule(let date)): return .scheduled(notBefore: date)
        case (.running, .openTask): return .awaitingPerson
        case (.awaitingPerson, .complete): return .awaitingApproval
        case (.awaitingApproval, .approve): return .awaitingApproval
        case (.awaitingApproval, .succeed): return .succeeded
        case (.awaitingPerson, .reject), (.awaitingApproval, .reject): return .failed
        // A completion whose evidence contradicts what the task requires (`expect:`) fails the step.
        case (.awaitingApproval, .fail(_, _, nil)): return .failed
        case (.pending, .cancel), (.scheduled, .cancel), (.running, .cancel), (.retrying, .cancel), (.waiting, .cancel),
             (.awaitingPerson, .cancel), (.awaitingApproval, .cancel): return .cancelled
        case (.failed, .reset), (.cancelled, .reset): return .pending
        case (.pending, _), (.scheduled, _), (.running, _), (.retrying, _), (.waiting, _), (.awaitingPerson, _), (.awaitingApproval, _),
             (.succeeded, _), (.failed, _), (.skipped, _), (.cancelled, _):
            throw IllegalTransition(instance: instance, state: state.name, event: event.name)
        }
    }
}

/// A `JSONValue` inside an enum payload that must stay `Hashable` and `Codable` (a step's output).
public struct JSONValueBox: Sendable, Hashable, Codable {
    public var value: JSONValue
    public init(_ value: JSONValue) { self.value = value }
    public init(from decoder: any Decoder) throws { value = try JSONValue(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

extension StepEvent {
    /// Who signed, as the journal's sentences and the evidence say it: `Dee Po for dpo` when a person signs for an
    /// approver the playbook names (a team), else the person.
    public static func signer(_ by: String, for approver: String?) -> String { approver.map { "\(by) for \($0)" } ?? by }
}
