import Engine
import Foundation
import Playbook
import Testing

/// Drives the pure run core one input at a time and checks each decision; no I/O, no sleeping.
@Suite struct RunCoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func core(_ yaml: String, inputs: [String: Value] = [:], maxParallel: Int = 8) throws -> RunCore {
        RunCore(runID: "r1", playbook: try EngineFixtures.playbook(yaml), inputs: inputs, timeZone: .gmt, maxParallel: maxParallel)
    }

    func started(_ decision: RunDecision) -> [String] { decision.attempts.map(\.instance.description) }

    static let chain = """
        playbook: chain
        version: 1
        steps:
          - { id: a, uses: log, with: { message: a } }
          - { id: b, uses: log, needs: [a], with: { message: "after {{ steps.a.output.id }}" } }
        """

    @Test func stepsRunInDependencyOrderAndOutputsFlow() throws {
        var run = try core(Self.chain)
        let first = try run.start(at: Self.t0)
        #expect(first.events.map(\.typeName) == ["run.started", "step.expanded", "step.schedule", "step.start"])
        #expect(started(first) == ["a"])
        #expect(first.attempts[0].idempotencyKey == "r1/a")
        let second = try run.attemptSucceeded(InstanceKey(step: "a"), attempt: 1, output: .object(["id": .int(7)]), at: Self.t0)
        #expect(started(second) == ["b"])
        #expect(second.attempts[0].parameters["message"] == .string("after 7"))
        let last = try run.attemptSucceeded(InstanceKey(step: "b"), attempt: 1, output: .null, at: Self.t0)
        #expect(last.events.last == .runFinished(state: .succeeded))
        #expect(last.state == .succeeded && last.nextWake == nil)
    }

    /// The journal keeps milliseconds: a step due now starts in the same decision whatever the clock's fraction of a
    /// millisecond (rounded to the nearest one, half of all starts were put 0.5 ms into the future and waited for
    /// the driver's next wake and another commit).
    @Test(arguments: [0.0001, 0.0005, 0.0006, 0.0009999])
    func aStepDueNowStartsAtOnceWhateverTheSubMillisecond(fraction: Double) throws {
        var run = try core(Self.chain)
        let now = Self.t0.addingTimeInterval(fraction)
        let first = try run.start(at: now)
        #expect(started(first) == ["a"], "\(first.events.map(\.typeName))")
        let second = try run.attemptSucceeded(InstanceKey(step: "a"), attempt: 1, output: .object(["id": .int(7)]), at: now.addingTimeInterval(fraction))
        #expect(started(second) == ["b"])
    }

    static let retrying = """
        playbook: retrying
        version: 1
        steps:
          - id: flaky
            uses: log
            retry: { attempts: 3, backoff: exponential, initial: 10s, max: 1m }
            with: { message: x }
        """

    @Test func retriesBackOffExponentiallyWithJitterThenFail() throws {
        var run = try core(Self.retrying)
        let key = InstanceKey(step: "flaky")
        _ = try run.start(at: Self.t0)
        let firstFailure = try run.attemptFailed(key, attempt: 1, message: "503", retryable: true, at: Self.t0)
        let firstWake = try #require(firstFailure.nextWake).timeIntervalSince(Self.t0)
        #expect(firstWake >= 5 && firstWake < 10)
        #expect(firstFailure.state == .waiting && firstFailure.attempts.isEmpty)
        #expect(try run.tick(at: Self.t0.addingTimeInterval(firstWake - 0.5)).attempts.isEmpty)
        let retry = try run.tick(at: Self.t0.addingTimeInterval(firstWake))
        #expect(retry.attempts.map(\.attempt) == [2])
        #expect(retry.attempts[0].idempotencyKey == "r1/flaky")
        let secondFailure = try run.attemptFailed(key, attempt: 2, message: "503", retryable: true, at: Self.t0.addingTimeInterval(20))
        let secondWake = try #require(secondFailure.nextWake).timeIntervalSince(Self.t0.addingTimeInterval(20))
        #expect(secondWake >= 10 && secondWake < 20)
        _ = try run.tick(at: Self.t0.addingTimeInterval(60))
        let last = try run.attemptFailed(key, attempt: 3, message: "503", retryable: true, at: Self.t0.addingTimeInterval(61))
        #expect(last.events.map(\.typeName) == ["step.fail", "run.finished"])
        #expect(run.instances[key]?.failures == 3 && run.instances[key]?.lastError == "503")
        #expect(last.state == .failed)
    }

    @Test func theSameJitterOnReplay() throws {
        var one = try core(Self.retrying), two = try core(Self.retrying)
        _ = try one.start(at: Self.t0)
        _ = try two.start(at: Self.t0)
        let a = try one.attemptFailed(InstanceKey(step: "flaky"), attempt: 1, message: "x", retryable: true, at: Self.t0)
        let b = try two.attemptFailed(InstanceKey(step: "flaky"), attempt: 1, message: "x", retryable: true, at: Self.t0)
        #expect(a.nextWake == b.nextWake)
    }

    @Test func aFatalFailureIsNotRetried() throws {
        var run = try core(Self.retrying)
        _ = try run.start(at: Self.t0)
        let decision = try run.attemptFailed(InstanceKey(step: "flaky"), attempt: 1, message: "bad request", retryable: false, at: Self.t0)
        #expect(decision.state == .failed)
    }

    static let policies = """
        playbook: policies
        version: 1
        steps:
          - { id: a, uses: log, on_failure: continue, with: { message: a } }
          - { id: b, uses: log, with: { message: b } }
          - { id: after-a, uses: log, needs: [a], with: { message: c } }
          - { id: c, uses: log, on_failure: page, with: { message: c } }
          - { id: page, uses: log, with: { message: paging } }
        """

    @Test func continueCancelsOnlyDependentsAndAFallbackRunsOnFailure() throws {
        var run = try core(Self.policies)
        let start = try run.start(at: Self.t0)
        #expect(started(start) == ["a", "b", "c"])
        let afterA = try run.attemptFailed(InstanceKey(step: "a"), attempt: 1, message: "boom", retryable: false, at: Self.t0)
        #expect(run.instances[InstanceKey(step: "after-a")]?.state == .cancelled)
        #expect(run.instances[InstanceKey(step: "after-a")]?.reason == "needs a, which failed")
        #expect(afterA.attempts.isEmpty)
        _ = try run.attemptSucceeded(InstanceKey(step: "b"), attempt: 1, output: .null, at: Self.t0)
        let afterC = try run.attemptFailed(InstanceKey(step: "c"), attempt: 1, message: "boom", retryable: false, at: Self.t0)
        #expect(started(afterC) == ["page"])
        let end = try run.attemptSucceeded(InstanceKey(step: "page"), attempt: 1, output: .null, at: Self.t0)
        #expect(end.state == .failed)
    }

    static let aborting = """
        playbook: aborting
        version: 1
        steps:
          - { id: a, uses: log, with: { message: a } }
          - { id: slow, uses: log, with: { message: s } }
          - { id: later, uses: log, needs: [a], with: { message: l } }
        """

    @Test func abortLetsRunningAttemptsFinishAndRecordsEveryOtherStep() throws {
        var run = try core(Self.aborting)
        _ = try run.start(at: Self.t0)
        let failed = try run.attemptFailed(InstanceKey(step: "a"), attempt: 1, message: "x", retryable: false, at: Self.t0)
        #expect(failed.state == .running)
        #expect(run.instances[InstanceKey(step: "later")]?.reason == "run aborted: a failed")
        let end = try run.attemptSucceeded(InstanceKey(step: "slow"), attempt: 1, output: .null, at: Self.t0)
        #expect(end.state == .failed)
        #expect(run.orderedInstances.map(\.state.name) == ["failed", "succeeded", "cancelled"])
    }

    static let fanOut = """
        playbook: fan-out
        version: 1
        inputs:
          devices: { type: list, default: [] }
          vip: { type: bool, default: false }
          leave_at: { type: datetime, required: true }
        steps:
          - id: collect
            uses: task
            for_each: inputs.devices
            item_id: "{{ item.tag }}"
            at: inputs.leave_at
            with: { assignee: it, title: "Collect {{ item.tag }}" }
          - { id: vip-only, uses: log, when: inputs.vip, with: { message: v } }
          - { id: wait-a-day, uses: wait, with: { for: 1d } }
        """

    @Test func fanOutWhenAndTimers() throws {
        let leave = Self.t0.addingTimeInterval(3_600)
        let devices: Value = .list([.object(["tag": .string("LT-1")]), .object(["tag": .string("PH-2")])])
        var run = try core(Self.fanOut, inputs: ["devices": devices, "vip": .bool(false), "leave_at": .datetime(leave)])
        let start = try run.start(at: Self.t0)
        #expect(started(start) == ["wait-a-day"])
        #expect(run.instances[InstanceKey(step: "vip-only")]?.reason == "when: inputs.vip is false")
        #expect(start.nextWake == leave && start.state == .running)
        let suspended = try run.attemptSuspended(InstanceKey(step: "wait-a-day"), attempt: 1, until: Self.t0.addingTimeInterval(86_400), at: Self.t0)
        #expect(suspended.state == .waiting && suspended.nextWake == leave)
        let atLeave = try run.tick(at: leave)
        #expect(started(atLeave) == ["collect/LT-1", "collect/PH-2"])
        #expect(run.orderedInstances.map(\.kind) == [.fanOutItem, .fanOutItem, .step, .step])
        #expect(atLeave.attempts[0].parameters["title"] == .string("Collect LT-1"))
        #expect(atLeave.attempts[1].idempotencyKey == "r1/collect/PH-2")
        _ = try run.attemptSucceeded(InstanceKey(step: "collect", item: "LT-1"), attempt: 1, output: .null, at: leave)
        let waiting = try run.attemptSucceeded(InstanceKey(step: "collect", item: "PH-2"), attempt: 1, output: .null, at: leave)
        #expect(waiting.state == .waiting)
        let done = try run.tick(at: Self.t0.addingTimeInterval(86_400))
        #expect(done.events.map(\.typeName) == ["step.fire", "run.finished"])
        #expect(done.state == .succeeded)
    }

    @Test func duplicateItemNamesFailTheStep() throws {
        let devices: Value = .list([.object(["tag": .string("X")]), .object(["tag": .string("X")])])
        var run = try core(Self.fanOut, inputs: ["devices": devices, "vip": .bool(true), "leave_at": .datetime(Self.t0)])
        _ = try run.start(at: Self.t0)
        #expect(run.instances[InstanceKey(step: "collect")]?.lastError == "for_each gives two items named 'X'; set item_id to something unique")
    }

    @Test func parallelismIsBounded() throws {
        let steps = (1...10).map { "  - { id: s\($0), uses: log, with: { message: m } }" }.joined(separator: "\n")
        var run = try core("playbook: wide\nversion: 1\nsteps:\n\(steps)\n", maxParallel: 3)
        #expect(try run.start(at: Self.t0).attempts.count == 3)
        #expect(started(try run.attemptSucceeded(InstanceKey(step: "s1"), attempt: 1, output: .null, at: Self.t0)) == ["s4"])
    }

    @Test func aTemplateWithNoValueFailsTheStepWithoutStartingIt() throws {
        var run = try core("playbook: gap\nversion: 1\ninputs: { role: string }\nsteps:\n  - { id: a, uses: log, with: { message: \"{{ inputs.role }} x\" } }\n",
                           inputs: ["role": .null])
        let decision = try run.start(at: Self.t0)
        #expect(decision.attempts.isEmpty && decision.state == .failed)
        #expect(run.instances[InstanceKey(step: "a")]?.lastError?.hasPrefix("with: 'inputs.role' has no value") == true)
    }

    @Test func cancellationStopsRunningAttemptsCooperatively() throws {
        var run = try core(Self.aborting)
        _ = try run.start(at: Self.t0)
        let cancel = try run.requestCancel(reason: "rehired", by: "hr", at: Self.t0)
        #expect(Set(cancel.cancelAttempts) == [InstanceKey(step: "a"), InstanceKey(step: "slow")])
        #expect(run.instances[InstanceKey(step: "later")]?.state == .cancelled)
        _ = try run.attemptCancelled(InstanceKey(step: "a"), attempt: 1, at: Self.t0)
        let end = try run.attemptSucceeded(InstanceKey(step: "slow"), attempt: 1, output: .null, at: Self.t0)
        #expect(end.state == .cancelled)
        #expect(run.instances[InstanceKey(step: "slow")]?.state == .succeeded)
    }

    @Test func redriveRunsFailedStepsAgainAndKeepsWhatSucceeded() throws {
        var run = try core(Self.aborting)
        _ = try run.start(at: Self.t0)
        _ = try run.attemptSucceeded(InstanceKey(step: "slow"), attempt: 1, output: .null, at: Self.t0)
        _ = try run.attemptFailed(InstanceKey(step: "a"), attempt: 1, message: "x", retryable: false, at: Self.t0)
        #expect(run.state == .failed)
        #expect(throws: RunTransitionError.self) { try run.redrive(step: "slow", by: "ops", at: Self.t0) }
        let redrive = try run.redrive(step: nil, by: "ops", at: Self.t0)
        #expect(started(redrive) == ["a"])
        #expect(redrive.attempts[0].idempotencyKey == "r1/a")
        #expect(redrive.attempts[0].attempt == 2, "a redriven step continues its attempt numbering")
        #expect(run.instances[InstanceKey(step: "slow")]?.attempts == 1)
        let next = try run.attemptSucceeded(InstanceKey(step: "a"), attempt: 2, output: .null, at: Self.t0)
        #expect(started(next) == ["later"])
    }

    @Test func replayRebuildsTheRunAndRecoveryRerunsInterruptedAttempts() throws {
        var live = try core(Self.chain)
        var journal = try live.start(at: Self.t0).events
        journal += try live.attemptSucceeded(InstanceKey(step: "a"), attempt: 1, output: .object(["id": .int(1)]), at: Self.t0).events
        // The process dies while b runs. A new process replays the journal:
        var replayed = try core(Self.chain)
        for event in journal { try replayed.apply(event) }
        #expect(replayed == live, "the replayed core differs from the live one")
        let recovery = try replayed.recover(at: Self.t0.addingTimeInterval(30))
        #expect(recovery.events.map(\.typeName) == ["step.interrupt", "step.start"])
        #expect(recovery.attempts.map { "\($0.instance) #\($0.attempt) \($0.idempotencyKey)" } == ["b #2 r1/b"])
        #expect(replayed.instances[InstanceKey(step: "b")]?.interruptions == 1)
    }

    @Test func illegalInputsAreTypedErrors() throws {
        var run = try core(Self.chain)
        _ = try run.start(at: Self.t0)
        #expect(throws: RunTransitionError.self) { try run.start(at: Self.t0) }
        #expect(throws: RunTransitionError.self) { try run.attemptSucceeded(InstanceKey(step: "b"), attempt: 1, output: .null, at: Self.t0) }
        #expect(throws: RunTransitionError.self) { try run.attemptSucceeded(InstanceKey(step: "a"), attempt: 2, output: .null, at: Self.t0) }
        #expect(throws: RunTransitionError.self) { try run.apply(.runFinished(state: .running)) }
        #expect(throws: (any Error).self) { try run.apply(.step(instance: InstanceKey(step: "a"), event: .fire)) }
    }
}
