import Engine
import Foundation
import Playbook
import Testing

/// Reversal in the pure core: exactly the steps that succeeded are undone, newest first, one after another.
@Suite struct ReversalCoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static let yaml = """
        playbook: undoable
        version: 1
        steps:
          - id: first
            uses: log
            with: { message: one }
            compensate: { uses: log, with: { message: "undo {{ steps.first.output.n }}" } }
          - id: second
            uses: log
            needs: [first]
            with: { message: two }
            compensate: { uses: log, with: { message: undo two } }
          - id: plain
            uses: log
            needs: [second]
            with: { message: no undo }
          - id: never
            uses: log
            needs: [plain]
            when: "false"
            with: { message: skipped }
            compensate: { uses: log, with: { message: must not run } }
        """

    func finished() throws -> RunCore {
        var run = RunCore(runID: "r1", playbook: try EngineFixtures.playbook(Self.yaml), inputs: [:], timeZone: .gmt)
        _ = try run.start(at: Self.t0)
        _ = try run.attemptSucceeded(InstanceKey(step: "first"), attempt: 1, output: .object(["n": .int(1)]), at: Self.t0)
        _ = try run.attemptSucceeded(InstanceKey(step: "second"), attempt: 1, output: .null, at: Self.t0)
        let last = try run.attemptSucceeded(InstanceKey(step: "plain"), attempt: 1, output: .null, at: Self.t0)
        #expect(last.state == .succeeded)
        return run
    }

    @Test func succeededStepsAreUndoneNewestFirstOneAtATime() throws {
        var run = try finished()
        #expect(run.reversalCandidates().undoable == ["second", "first"])
        #expect(run.reversalCandidates().permanent == ["plain"])
        #expect(run.plannedCompensations(at: Self.t0).map(\.parameters["message"]) == [.string("undo two"), .string("undo 1")])
        let started = try run.reverse(by: "hr", reason: "rehired", at: Self.t0)
        #expect(started.events.first == .reversalStarted(steps: ["second", "first"], by: "hr", reason: "rehired"))
        #expect(started.attempts.map(\.instance.step) == ["undo:second"], "one compensation at a time")
        let next = try run.attemptSucceeded(InstanceKey(step: "undo:second"), attempt: 1, output: .null, at: Self.t0)
        #expect(next.attempts.map(\.instance.step) == ["undo:first"])
        #expect(next.attempts.first?.parameters["message"] == .string("undo 1"))
        let done = try run.attemptSucceeded(InstanceKey(step: "undo:first"), attempt: 1, output: .null, at: Self.t0)
        #expect(done.state == .reversed)
        // Each instance carries its kind: the compensations say what they undo, whatever their ids are spelled.
        #expect(run.orderedInstances.map(\.kind) == [.step, .step, .step, .step, .compensation(undoing: "second"), .compensation(undoing: "first")])
        #expect(run.reversalCandidates().undoable == ["second", "first"], "a compensation that succeeded is never a step to undo")
        #expect(throws: (any Error).self) { try run.reverse(by: "hr", reason: "again", at: Self.t0) }
    }

    @Test func aFailedCompensationFailsTheRunAndARedriveRunsOnlyCompensations() throws {
        var run = try finished()
        _ = try run.reverse(by: "hr", reason: "rehired", at: Self.t0)
        let failed = try run.attemptFailed(InstanceKey(step: "undo:second"), attempt: 1, message: "503", retryable: false, at: Self.t0)
        #expect(failed.state == .failed)
        #expect(run.instances[InstanceKey(step: "undo:first")]?.state == .cancelled)
        let redriven = try run.redrive(step: nil, by: "hr", at: Self.t0)
        #expect(redriven.attempts.map(\.instance.step) == ["undo:second"])
        #expect(run.instances[InstanceKey(step: "first")]?.state == .succeeded, "what was undone is not redone")
    }

    @Test func aRunInProgressMustBeCancelledFirst() throws {
        var run = RunCore(runID: "r1", playbook: try EngineFixtures.playbook(Self.yaml), inputs: [:], timeZone: .gmt)
        _ = try run.start(at: Self.t0)
        var refusal = RequestRefused(.runState, ["run r1 is running; cancel it first, then reverse it"])
        refusal.remedy = .cancelFirst
        #expect(throws: refusal) {
            try run.reverse(by: "hr", reason: "x", at: Self.t0)
        }
    }
}
