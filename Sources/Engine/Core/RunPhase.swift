/// Where a run is in its life. One value instead of the flags it replaced (a cancel request, the step that aborted
/// the run, the state), so the core cannot hold two of them at once: a cancel overrides an abort, a finished run
/// neither cancels nor aborts, a redrive or a reversal starts it running afresh.
enum RunPhase: Sendable, Hashable {
    /// Made, not started.
    case pending
    /// Running forward (or running its compensations, when a reversal has begun). `idle`: nothing can happen until a
    /// timer, a person or an attempt's end (the run reads as waiting).
    case running(idle: Bool)
    /// A cancel was asked for: nothing new starts, running attempts are told to stop, then the run is cancelled.
    case cancelling(CancelRequest, idle: Bool)
    /// A step failed with `on_failure: abort`: nothing new starts, what has not started is cancelled.
    case aborting(because: InstanceKey, idle: Bool)
    /// Done: succeeded, failed, cancelled or reversed.
    case finished(RunState)

    /// The state the run reads as.
    var state: RunState {
        switch self {
        case .pending: .pending
        case .running(let idle), .cancelling(_, let idle), .aborting(_, let idle): idle ? .waiting : .running
        case .finished(let state): state
        }
    }

    /// The same phase, busy or idle.
    func idle(_ idle: Bool) -> RunPhase {
        switch self {
        case .pending, .finished: self
        case .running: .running(idle: idle)
        case .cancelling(let request, _): .cancelling(request, idle: idle)
        case .aborting(let key, _): .aborting(because: key, idle: idle)
        }
    }
}

/// A cancel asked for: why, and by whom.
public struct CancelRequest: Sendable, Hashable {
    public var reason: String
    public var by: String
}

/// The attempt and interruption counts of an instance a redrive cleared.
struct ClearedCounts: Sendable, Hashable {
    var attempts: Int
    var interruptions: Int
}
