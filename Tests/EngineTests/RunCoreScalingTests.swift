import Engine
import Foundation
import Playbook
import Testing

/// A run's decisions cost what changed, not the size of the run, and a run whose items wait for its parallel
/// slots sleeps until a slot frees: checked on the pure core, with no clock and no sleeping.
@Suite struct RunCoreScalingTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func fanOut(_ count: Int, deadline: String? = nil) -> String {
        """
        playbook: fan-out
        version: 1
        inputs:
          items: { type: list, default: [\((1...count).map { "i\($0)" }.joined(separator: ", "))] }
        steps:
          - { id: each, uses: log, for_each: "{{ inputs.items }}", with: { message: "{{ item }}" }\(deadline.map { ", deadline: \($0)" } ?? "") }
          - { id: after, uses: log, needs: [each], with: { message: "{{ steps.each.output.i1.n }}" } }
        """
    }

    func core(_ yaml: String, maxParallel: Int = 8) throws -> RunCore {
        let playbook = try EngineFixtures.playbook(yaml)
        let inputs = try InputBinder.bind(playbook, record: nil, overrides: []).values
        return RunCore(runID: "r1", playbook: playbook, inputs: inputs, timeZone: .gmt, maxParallel: maxParallel)
    }

    /// Items waiting for a slot are not a reason to wake: a slot frees when an attempt ends, which is an input.
    @Test func itemsWaitingForSlotsDoNotWakeTheRun() throws {
        var run = try core(Self.fanOut(20))
        let first = try run.start(at: Self.t0)
        #expect(first.attempts.count == 8)
        #expect(first.nextWake == nil, "every slot is taken; the 12 due items wait for one to free")
        var now = Self.t0
        var running = first.attempts.map { ($0.instance, $0.attempt) }
        var started = first.attempts.count
        while !running.isEmpty {
            now = now.addingTimeInterval(0.5)
            let (key, attempt) = running.removeFirst()
            let decision = try run.attemptSucceeded(key, attempt: attempt, output: .object(["n": .string(key.item ?? "")]), at: now)
            started += decision.attempts.filter { $0.instance.step == "each" }.count
            running += decision.attempts.filter { $0.instance.step == "each" }.map { ($0.instance, $0.attempt) }
            #expect(decision.nextWake == nil || decision.state.isFinished == false, "no wake while items wait for a slot")
            if started < 20 { #expect(decision.attempts.count == 1, "each freed slot starts exactly one waiting item") }
        }
        #expect(started == 20)
        #expect(run.state == .running)
        let after = try #require(run.orderedInstances.last)
        #expect(after.key.step == "after")
        guard case .running = after.state else { Issue.record("after should run once every item is done: \(after.state)"); return }
    }

    /// A deadline is still a reason to wake while every slot is taken.
    @Test func aDeadlineStillWakesARunWhoseSlotsAreFull() throws {
        var run = try core(Self.fanOut(20, deadline: "1h"))
        let first = try run.start(at: Self.t0)
        #expect(first.attempts.count == 8)
        #expect(first.nextWake == Self.t0.addingTimeInterval(3600))
    }

    /// The core that decided a fan-out and the core rebuilt from its journal agree on every instance and on what is
    /// due next, at every step of the way: the indexes the decisions use are rebuilt by replay exactly.
    @Test func aReplayedCoreDecidesAsTheLiveOneAtEveryStep() throws {
        var live = try core(Self.fanOut(30, deadline: "2h"), maxParallel: 4)
        var journal = try live.start(at: Self.t0).events
        var running = live.orderedInstances.filter { if case .running = $0.state { true } else { false } }.map(\.key)
        var now = Self.t0
        while let key = running.first {
            running.removeFirst()
            now = now.addingTimeInterval(1)
            let attempt = live.instances[key]!.attempts
            let decision = key.item == "i7"
                ? try live.attemptFailed(key, attempt: attempt, message: "no", retryable: false, at: now)
                : try live.attemptSucceeded(key, attempt: attempt, output: .object(["n": .int(attempt)]), at: now)
            journal += decision.events
            running += decision.attempts.map(\.instance)
            var replayed = try core(Self.fanOut(30, deadline: "2h"), maxParallel: 4)
            for event in journal { try replayed.apply(event) }
            #expect(replayed == live, "the replayed core differs from the live one")
            #expect(replayed.nextWake == live.nextWake)
        }
        #expect(live.state == .failed, "i7 failed, so after is cancelled and the run fails")
        #expect(live.instances[InstanceKey(step: "after")]?.state == .cancelled)
    }
}
