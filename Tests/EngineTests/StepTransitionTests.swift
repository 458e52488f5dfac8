import Engine
import Foundation
import Playbook
import Testing

/// Every step state × every step event: the legal ones give the documented state, the rest an
/// `IllegalTransition` naming both.
@Suite struct StepTransitionTests {
    static let t1 = Date(timeIntervalSince1970: 1_000), t2 = Date(timeIntervalSince1970: 2_000)

    static let states: [(String, StepState, Int)] = [
        ("pending", .pending, 0), ("scheduled", .scheduled(notBefore: t1), 0), ("running", .running(attempt: 1), 1),
        ("retrying", .retrying(attempt: 1, until: t1), 1), ("waiting", .waiting(until: t1), 1), ("succeeded", .succeeded, 1),
        ("failed", .failed, 1), ("skipped", .skipped, 0), ("cancelled", .cancelled, 0),
        ("awaiting-person", .awaitingPerson, 1), ("awaiting-approval", .awaitingApproval, 1),
    ]

    static let events: [(String, StepEvent)] = [
        ("schedule", .schedule(notBefore: t2)), ("skip", .skip(reason: "r")), ("start", .start(attempt: 0)),
        ("succeed", .succeed(output: JSONValueBox(.null))), ("fail-retry", .fail(message: "m", retryable: true, retryAt: t2)),
        ("fail-final", .fail(message: "m", retryable: false, retryAt: nil)), ("interrupt", .interrupt(at: t2)),
        ("suspend", .suspend(until: t2)), ("fire", .fire), ("cancel", .cancel(reason: "r")), ("reset", .reset),
        ("open-task", .openTask(TaskSpec(assignee: "it", title: "t"))), ("complete", .complete(TaskCompletion(by: "p", evidence: [:]))),
        ("approve", .approve(by: "a")), ("reject", .reject(by: "a", reason: "r")), ("reschedule", .reschedule(notBefore: t2)),
    ]

    /// The documented result of each legal pair; every pair not listed must be illegal.
    static let legal: [String: StepState] = [
        "pending+schedule": .scheduled(notBefore: t2), "pending+skip": .skipped, "pending+fail-final": .failed, "pending+cancel": .cancelled,
        "scheduled+start": .running(attempt: 1), "scheduled+fail-final": .failed, "scheduled+cancel": .cancelled,
        "running+succeed": .succeeded, "running+fail-retry": .retrying(attempt: 1, until: t2), "running+fail-final": .failed,
        "running+interrupt": .scheduled(notBefore: t2), "running+suspend": .waiting(until: t2), "running+cancel": .cancelled,
        "retrying+start": .running(attempt: 2), "retrying+cancel": .cancelled,
        "waiting+fire": .succeeded, "waiting+cancel": .cancelled,
        // Only a wait until the distant future (a person, as journaled by earlier versions) is reopened.
        "failed+reset": .pending, "cancelled+reset": .pending,
        "scheduled+reschedule": .scheduled(notBefore: t2), "running+open-task": .awaitingPerson,
        "awaiting-person+complete": .awaitingApproval, "awaiting-person+reject": .failed, "awaiting-person+cancel": .cancelled,
        "awaiting-approval+approve": .awaitingApproval, "awaiting-approval+succeed": .succeeded, "awaiting-approval+reject": .failed,
        "awaiting-approval+cancel": .cancelled, "awaiting-approval+fail-final": .failed,
    ]

    @Test func everyStateAndEvent() {
        var checked = 0
        for (stateName, state, attempts) in Self.states {
            for (eventName, rawEvent) in Self.events {
                // `start` must name the next attempt.
                let event: StepEvent = rawEvent.name == "start" ? .start(attempt: attempts + 1) : rawEvent
                let key = "\(stateName)+\(eventName)"
                do {
                    let next = try StepTransition.apply(event, to: state, attempts: attempts, instance: "s")
                    #expect(Self.legal[key] == next, "\(key) gave \(next)")
                } catch {
                    #expect(Self.legal[key] == nil, "\(key) was refused: \(error)")
                    #expect(error.description == "step s: '\(event.name)' is not allowed while \(stateName)")
                }
                checked += 1
            }
        }
        #expect(checked == 11 * 16)
    }

    @Test func aLegacyWaitForAPersonIsReopenedAndNoOtherWaitIs() throws {
        #expect(try StepTransition.apply(.interrupt(at: Self.t2), to: .waiting(until: .distantFuture), attempts: 1, instance: "s")
                == .scheduled(notBefore: Self.t2))
        #expect(throws: IllegalTransition.self) { try StepTransition.apply(.interrupt(at: Self.t2), to: .waiting(until: Self.t1), attempts: 1, instance: "s") }
    }

    @Test func startMustNameTheNextAttempt() {
        #expect(throws: IllegalTransition.self) { try StepTransition.apply(.start(attempt: 3), to: .scheduled(notBefore: Self.t1), attempts: 1, instance: "s") }
        #expect(throws: IllegalTransition.self) { try StepTransition.apply(.start(attempt: 1), to: .retrying(attempt: 1, until: Self.t1), attempts: 1, instance: "s") }
        #expect(throws: Never.self) { try StepTransition.apply(.start(attempt: 2), to: .scheduled(notBefore: Self.t1), attempts: 1, instance: "s") }
    }

    @Test func terminalStates() {
        let terminal = Self.states.filter { $0.1.isTerminal }.map(\.0)
        #expect(terminal == ["succeeded", "failed", "skipped", "cancelled"])
        #expect(Self.states.filter { $0.1.isDone }.map(\.0) == ["succeeded", "skipped"])
    }
}
