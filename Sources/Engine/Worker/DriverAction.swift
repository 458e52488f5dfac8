import Foundation

/// What the driver does next, in order: the core's decision (events to journal, attempts to start or cancel) and the
/// driver's own part (when to look again, when to give the run back). `DriverPlan` decides the list, a pure function;
/// `RunDriver` carries it out in one switch, and gives the lease back in one place, the `.end` action.
enum DriverAction: Sendable, Equatable {
    /// Make the events durable with the run's row (state, wake time, next deadline) and the requests they answer;
    /// with `releasingLease`, the lease is given back in the same transaction (the run finished).
    case journal(JournalPlan)
    case startAttempt(AttemptRequest)
    case cancelAttempt(InstanceKey)
    /// Look again at this time: for the next thing due, and for requests made meanwhile.
    case armTimer(Date)
    /// Stop driving: give the lease back (unless the last journal write did) and return `ending`.
    case end(RunDriver.Ending, releaseLease: Bool)
}

/// One journal write as planned: what is written, apart from the sequence numbers and the concealment of personal
/// values, which the driver adds.
struct JournalPlan: Sendable, Equatable {
    var events: [RunEvent]
    var handled: [HandledRequest]
    var at: Date
    var state: RunState
    var wakeAt: Date?
    var nextDeadline: Date?
    var releasingLease: Bool
}

/// Turns a decision of the core into the driver's actions. Pure: the run as it stands after the decision, the
/// attempts still in flight and the time are all it reads.
struct DriverPlan {
    /// The run as it stands after the decision.
    var state: RunState
    var nextWake: Date?
    var nextDeadline: Date?
    /// Attempts started earlier that have not reported yet (cancelled ones included, until they end).
    var attemptsInFlight: Int
    /// How far ahead the next thing due may be for the driver to keep the run rather than park it.
    var holdWindow: TimeInterval
    /// How often a driver holding a run looks for requests.
    var requestPollInterval: TimeInterval

    func actions(for decision: RunDecision, answering handled: [HandledRequest], at now: Date) -> [DriverAction] {
        var actions: [DriverAction] = []
        let inFlight = attemptsInFlight + decision.attempts.count
        if !decision.events.isEmpty || !handled.isEmpty {
            // A finished run with nothing in flight gives its lease back in the same transaction as its last entries.
            let finishing = state.isFinished && inFlight == 0
            let wakeAt: Date? = state.isFinished ? nil : (inFlight == 0 ? decision.nextWake : now)
            actions.append(.journal(JournalPlan(events: decision.events, handled: handled, at: now, state: state, wakeAt: wakeAt,
                                                nextDeadline: nextDeadline, releasingLease: finishing)))
            if finishing { return actions + [.end(.finished(state), releaseLease: false)] }
        }
        actions += decision.attempts.map(DriverAction.startAttempt)
        actions += decision.cancelAttempts.map(DriverAction.cancelAttempt)
        if inFlight == 0 {
            if state.isFinished { return actions + [.end(.finished(state), releaseLease: true)] }
            // Nothing due within the hold window: the run is parked until its wake time (a worker claims it then).
            guard let wake = nextWake, wake <= now.addingTimeInterval(holdWindow) else {
                return actions + [.end(.parked(state, wakeAt: nextWake), releaseLease: true)]
            }
        }
        return actions + [.armTimer(min(nextWake ?? .distantFuture, now.addingTimeInterval(requestPollInterval)))]
    }
}
