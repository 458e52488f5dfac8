import Engine
import Foundation
import Playbook
import Testing

/// Whatever path a run takes (cancelled before it starts or while it runs, aborted by a failing step, redriven,
/// reversed after a cancel), the core rebuilt from its journal equals the core that decided it, after every input.
@Suite struct RunCoreReplayTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let yaml = """
        playbook: paths
        version: 1
        steps:
          - id: a
            uses: log
            with: { message: a }
            compensate: { uses: log, with: { message: undo a } }
          - id: b
            uses: log
            needs: [a]
            with: { message: b }
          - id: c
            uses: log
            needs: [b]
            with: { message: c }
        """

    /// Feeds the inputs to a live core, replaying its journal into a fresh core after each, and compares them.
    func check(_ inputs: [(inout RunCore) throws -> RunDecision]) throws -> RunCore {
        var live = RunCore(runID: "r1", playbook: try EngineFixtures.playbook(Self.yaml), inputs: [:], timeZone: .gmt)
        var journal: [RunEvent] = []
        for input in inputs {
            journal += try input(&live).events
            var replayed = RunCore(runID: "r1", playbook: try EngineFixtures.playbook(Self.yaml), inputs: [:], timeZone: .gmt)
            for event in journal { try replayed.apply(event) }
            #expect(replayed == live, "after \(journal.count) events")
            #expect(replayed.state == live.state || [replayed.state, live.state].allSatisfy { [.running, .waiting].contains($0) })
        }
        return live
    }

    func attempt(_ core: RunCore, _ step: String) -> Int { core.instances[InstanceKey(step: step)]?.attempts ?? 0 }

    @Test func cancelledBeforeItStarts() throws {
        let core = try check([{ try $0.requestCancel(reason: "withdrawn", by: "hr", at: Self.t0) }])
        #expect(core.state == .cancelled)
    }

    @Test func cancelledWhileAStepRunsThenReversed() throws {
        let core = try check([
            { try $0.start(at: Self.t0) },
            { try $0.attemptSucceeded(InstanceKey(step: "a"), attempt: 1, output: .null, at: Self.t0) },
            { try $0.requestCancel(reason: "withdrawn", by: "hr", at: Self.t0) },
            { try $0.attemptCancelled(InstanceKey(step: "b"), attempt: 1, at: Self.t0) },
            { try $0.reverse(by: "ops", reason: "rehired", at: Self.t0) },
            { try $0.attemptSucceeded(InstanceKey(step: "undo:a"), attempt: 1, output: .null, at: Self.t0) },
        ])
        #expect(core.state == .reversed)
    }

    @Test func abortedByAFailureThenRedriven() throws {
        let core = try check([
            { try $0.start(at: Self.t0) },
            { try $0.attemptSucceeded(InstanceKey(step: "a"), attempt: 1, output: .null, at: Self.t0) },
            { try $0.attemptFailed(InstanceKey(step: "b"), attempt: 1, message: "down", retryable: false, at: Self.t0) },
            { try $0.redrive(step: nil, by: "ops", at: Self.t0) },
            { try $0.attemptSucceeded(InstanceKey(step: "b"), attempt: 2, output: .null, at: Self.t0) },
            { try $0.attemptSucceeded(InstanceKey(step: "c"), attempt: 1, output: .null, at: Self.t0) },
        ])
        #expect(core.state == .succeeded)
        #expect(attempt(core, "b") == 2)
    }
}

/// A decision expands, in one sweep in topological order, every step that became ready in it: a step whose
/// `for_each` fails at once stops the steps that need it with that reason, before any other step starts.
@Suite struct RunCoreSweepTests {
    @Test func aStepThatFailsAsItIsExpandedStopsItsDependentsInTheSameDecision() throws {
        let playbook = try EngineFixtures.playbook("""
            playbook: sweep
            version: 1
            steps:
              - { id: c, uses: log, with: { message: c } }
              - { id: a, uses: log, needs: [c], for_each: "{{ steps.c.output.message }}", with: { message: "{{ item }}" } }
              - { id: b, uses: log, needs: [a], with: { message: b } }
              - { id: d, uses: log, needs: [c], with: { message: d } }
            """)
        var run = RunCore(runID: "r1", playbook: playbook, inputs: [:], timeZone: .gmt)
        _ = try run.start(at: RunCoreReplayTests.t0)
        let decision = try run.attemptSucceeded(InstanceKey(step: "c"), attempt: 1, output: .object(["message": .string("not a list")]),
                                                at: RunCoreReplayTests.t0)
        let expanded = decision.events.compactMap { if case .stepExpanded(let step, _) = $0 { step } else { nil } }
        #expect(expanded == ["a", "b", "d"], "expanded in topological order in one sweep")
        #expect(run.instances[InstanceKey(step: "b")]?.reason == "needs a, which failed")
    }
}
