import Foundation
import Playbook

extension RunCore {
    /// Starts a pending run.
    public mutating func start(at now: Date) throws -> RunDecision {
        var decision = RunDecision()
        try record(.runStarted(facts: startFacts), into: &decision)
        try advance(at: now, into: &decision)
        return decision
    }

    /// Time has passed: fire due timers and start what is due.
    public mutating func tick(at now: Date) throws -> RunDecision {
        var decision = RunDecision()
        try advance(at: now, into: &decision)
        return decision
    }

    /// The handler finished an attempt successfully.
    public mutating func attemptSucceeded(_ key: InstanceKey, attempt: Int, output: JSONValue, verification: VerificationResult? = nil,
                                          removal: AccessRemoval? = nil, at now: Date) throws -> RunDecision {
        try requireRunning(key, attempt: attempt)
        var decision = RunDecision()
        try record(.step(instance: key, event: .succeed(output: JSONValueBox(output), verification: verification, removal: removal)), into: &decision)
        try advance(at: now, into: &decision)
        return decision
    }

    /// The handler's attempt failed; a retryable failure is retried while the step's retry policy allows.
    public mutating func attemptFailed(_ key: InstanceKey, attempt: Int, message: String, retryable: Bool, at now: Date) throws -> RunDecision {
        try requireRunning(key, attempt: attempt)
        let record = instances[key]!
        let policy = stepsByID[key.step]?.retry ?? .none
        var retryAt: Date?
        if retryable, record.failures + 1 < policy.attempts {
            let delay = Backoff.delay(policy, afterAttempt: record.failures + 1, seed: key.idempotencyKey(run: runID))
            retryAt = Self.milliseconds(now.addingTimeInterval(delay))
        }
        var decision = RunDecision()
        try self.record(.step(instance: key, event: .fail(message: message, retryable: retryable, retryAt: retryAt)), into: &decision)
        try advance(at: now, into: &decision)
        return decision
    }

    /// The handler asked to wait until a time (a `wait` step); the wait survives restarts.
    public mutating func attemptSuspended(_ key: InstanceKey, attempt: Int, until: Date, at now: Date) throws -> RunDecision {
        try requireRunning(key, attempt: attempt)
        var decision = RunDecision()
        try record(.step(instance: key, event: .suspend(until: Self.milliseconds(until))), into: &decision)
        try advance(at: now, into: &decision)
        return decision
    }

    /// A running attempt stopped because the run is being cancelled.
    public mutating func attemptCancelled(_ key: InstanceKey, attempt: Int, at now: Date) throws -> RunDecision {
        try requireRunning(key, attempt: attempt)
        var decision = RunDecision()
        let reason: String
        if case .cancelling(let request, _) = phase { reason = "run cancelled: \(request.reason)" } else { reason = "cancelled" }
        try record(.step(instance: key, event: .cancel(reason: reason)), into: &decision)
        try advance(at: now, into: &decision)
        return decision
    }

    /// Cancels the run: nothing new starts, running attempts are told to stop.
    public mutating func requestCancel(reason: String, by: String, at now: Date) throws -> RunDecision {
        var decision = RunDecision()
        let pending = state == .pending
        try record(.cancelRequested(reason: reason, by: by), into: &decision)
        if pending { try record(.runStarted(facts: startFacts), into: &decision) }
        try advance(at: now, into: &decision)
        return decision
    }

    /// Redrives a failed run: failed and cancelled steps (or only `step` and what was cancelled)
    /// run again; what succeeded is kept.
    public mutating func redrive(step: String?, by: String, at now: Date) throws -> RunDecision {
        if let step {
            guard let keys = expansions[step], keys.contains(where: { instances[$0]?.state == .failed }) else {
                throw RunTransitionError(description: "step \(step) of run \(runID) did not fail")
            }
        }
        var decision = RunDecision()
        try record(.redriven(step: step, by: by), into: &decision)
        for (stepID, keys) in expansions.sorted(by: { $0.key < $1.key }) {
            // Redriving a failed reversal runs its compensations again, never the steps they undo.
            let isUndo = isCompensation(stepID)
            if reversal != nil, !isUndo { continue }
            let states = keys.compactMap { instances[$0]?.state }
            let resettable = keys.filter { key in
                guard let record = instances[key] else { return false }
                return record.state == .cancelled || (record.state == .failed && (step == nil || step == stepID))
            }
            if resettable.isEmpty { continue }
            if !isUndo, resettable.count == keys.count, states.allSatisfy({ $0 == .failed || $0 == .cancelled }) {
                try record(.stepCleared(step: stepID), into: &decision)
            } else {
                for key in resettable { try record(.step(instance: key, event: .reset), into: &decision) }
            }
        }
        try advance(at: now, into: &decision)
        return decision
    }

    /// After a replay: attempts that were running when the process died run again (same key).
    public mutating func recover(at now: Date) throws -> RunDecision {
        var decision = RunDecision()
        if state == .pending { return try start(at: now) }
        for key in order where { if case .running = instances[key]?.state { return true } else { return false } }() {
            try record(.step(instance: key, event: .interrupt(at: Self.milliseconds(now))), into: &decision)
        }
        // Earlier versions parked a task as a wait until the distant future: its step runs again
        // (same idempotency key) and opens the task properly, with its evidence and approvals.
        for key in order where { if case .waiting(let until)? = instances[key]?.state { return until >= .distantFuture } else { return false } }() {
            try record(.step(instance: key, event: .interrupt(at: Self.milliseconds(now))), into: &decision)
        }
        try advance(at: now, into: &decision)
        return decision
    }

    private func requireRunning(_ key: InstanceKey, attempt: Int) throws {
        guard let record = instances[key], case .running(let current) = record.state, current == attempt else {
            throw RunTransitionError(description: "step \(key) of run \(runID) has no running attempt \(attempt)")
        }
    }

    /// Applies an event and adds it to the decision's journal batch.
    mutating func record(_ event: RunEvent, into decision: inout RunDecision) throws {
        try apply(event)
        decision.events.append(event)
    }

    /// Times the core stores are whole milliseconds, so they survive the journal unchanged.
    static func milliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }
}
