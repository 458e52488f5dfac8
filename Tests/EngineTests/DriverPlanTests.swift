@testable import Engine
import Foundation
import Playbook
import Testing

/// The driver's part of a decision, worked out with no store, clock or task: what is journaled (and whether the lease
/// goes back with it), which attempts start or stop, when the driver looks again, and when it gives the run back.
@Suite struct DriverPlanTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    func plan(_ state: RunState, nextWake: Date? = nil, inFlight: Int = 0) -> DriverPlan {
        DriverPlan(state: state, nextWake: nextWake, nextDeadline: nil, attemptsInFlight: inFlight, holdWindow: 30, requestPollInterval: 1)
    }

    static func attempt(_ step: String) -> AttemptRequest {
        AttemptRequest(instance: InstanceKey(step: step), attempt: 1, uses: "log", parameters: [:], idempotencyKey: "r1/\(step)", timeout: nil)
    }

    @Test func eventsAreJournaledBeforeTheAttemptsTheyStartAndTheDriverLooksAgainWithinThePollInterval() {
        let decision = RunDecision(events: [.step(instance: InstanceKey(step: "a"), event: .start(attempt: 1))], attempts: [Self.attempt("a")],
                                   nextWake: nil, state: .running)
        let actions = plan(.running).actions(for: decision, answering: [], at: Self.now)
        #expect(actions == [
            .journal(JournalPlan(events: decision.events, handled: [], at: Self.now, state: .running, wakeAt: Self.now, nextDeadline: nil, releasingLease: false)),
            .startAttempt(Self.attempt("a")),
            .armTimer(Self.now.addingTimeInterval(1)),
        ])
    }

    @Test func aFinishedRunGivesItsLeaseBackWithItsLastEntriesInOneWrite() {
        let decision = RunDecision(events: [.runFinished(state: .succeeded)], state: .succeeded)
        let actions = plan(.succeeded).actions(for: decision, answering: [HandledRequest(id: 7)], at: Self.now)
        #expect(actions == [
            .journal(JournalPlan(events: decision.events, handled: [HandledRequest(id: 7)], at: Self.now, state: .succeeded, wakeAt: nil, nextDeadline: nil,
                                 releasingLease: true)),
            .end(.finished(.succeeded), releaseLease: false),
        ])
        // Finished while a cancelled attempt still ends: the lease stays until it has.
        let stillEnding = plan(.cancelled, inFlight: 1).actions(for: RunDecision(events: [.runFinished(state: .cancelled)], state: .cancelled), answering: [], at: Self.now)
        #expect(stillEnding.first.map { if case .journal(let write) = $0 { write.releasingLease } else { true } } == false)
        #expect(stillEnding.last == .armTimer(Self.now.addingTimeInterval(1)))
        // Found finished with nothing to write (a redriven look at a finished run): the lease goes back on its own.
        #expect(plan(.failed).actions(for: RunDecision(state: .failed), answering: [], at: Self.now) == [.end(.finished(.failed), releaseLease: true)])
    }

    @Test func aRunWithNothingDueWithinTheHoldWindowIsParkedAndOneDueSoonIsKept() {
        let far = Self.now.addingTimeInterval(3600), soon = Self.now.addingTimeInterval(20)
        let waiting = RunDecision(events: [.step(instance: InstanceKey(step: "w"), event: .suspend(until: far))], nextWake: far, state: .waiting)
        let parked = plan(.waiting, nextWake: far).actions(for: waiting, answering: [], at: Self.now)
        #expect(parked.count == 2)
        #expect(parked.first.map { if case .journal(let write) = $0 { write.wakeAt == far && !write.releasingLease } else { false } } == true,
                "the wake time is stored for the next worker")
        #expect(parked.last == .end(.parked(.waiting, wakeAt: far), releaseLease: true))
        #expect(plan(.waiting, nextWake: soon).actions(for: RunDecision(nextWake: soon, state: .waiting), answering: [], at: Self.now)
                == [.armTimer(Self.now.addingTimeInterval(1))], "kept, looking for requests each second until then")
        #expect(plan(.waiting).actions(for: RunDecision(state: .waiting), answering: [], at: Self.now) == [.end(.parked(.waiting, wakeAt: nil), releaseLease: true)],
                "a run waiting for a person has no wake time: parked until a request wakes it")
    }

    @Test func attemptsInFlightKeepTheRunAndACancelReachesThem() {
        let key = InstanceKey(step: "long")
        let cancel = RunDecision(events: [.cancelRequested(reason: "withdrawn", by: "hr")], cancelAttempts: [key], state: .running)
        let actions = plan(.running, inFlight: 1).actions(for: cancel, answering: [HandledRequest(id: 1)], at: Self.now)
        #expect(actions.count == 3)
        #expect(actions.first.map { if case .journal(let write) = $0 { write.wakeAt == Self.now } else { false } } == true, "due at once while attempts run")
        #expect(Array(actions.dropFirst()) == [.cancelAttempt(key), .armTimer(Self.now.addingTimeInterval(1))])
    }
}
