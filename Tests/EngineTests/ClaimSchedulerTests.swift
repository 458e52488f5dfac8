@testable import Engine
import Foundation
import Testing

/// The worker's claim loop as a state machine, on made-up times with nothing sleeping: when it asks the store for
/// due runs and for how many, what it drives, when it stops, and what it waits for.
@Suite struct ClaimSchedulerTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func anIdleLoopClaimsEveryFreeSlotDrivesWhatItGotAndPollsForMore() {
        var loop = ClaimScheduler(untilIdle: false, concurrency: 8)
        #expect(loop.claimLimit(freeSlots: 8, handedOffSlots: 0) == 8)
        let actions = loop.afterLook(ClaimScheduler.Claim(ids: ["r1", "r2"], limit: 8, held: []), freeSlots: 6)
        #expect(actions == [.drive("r1"), .drive("r2"), .awaitHandOffEnd, .poll(askNextWake: false, leasesUntil: nil)],
                "busy: the store's next wake is no reason to look sooner")
        #expect(loop.driving == 2)
        // A claim that did not fill the free slots found everything due: no second claim until a poll says more may be.
        #expect(loop.claimLimit(freeSlots: 6, handedOffSlots: 0) == nil)
        #expect(loop.afterLook(nil, freeSlots: 6).isEmpty, "already waiting for a poll and a hand-off's end")
        loop.receive(.polled)
        #expect(loop.claimLimit(freeSlots: 6, handedOffSlots: 0) == 6)
    }

    @Test func aFullClaimMeansMoreMayBeDueAndAFreedQuarterOfTheSlotsIsClaimedAtOnce() {
        var loop = ClaimScheduler(untilIdle: false, concurrency: 8)
        _ = loop.afterLook(ClaimScheduler.Claim(ids: (1...8).map { "r\($0)" }, limit: 8, held: []), freeSlots: 0)
        #expect(loop.claimLimit(freeSlots: 0, handedOffSlots: 0) == nil, "no slot free")
        loop.receive(.driven)
        #expect(loop.claimLimit(freeSlots: 1, handedOffSlots: 0) == nil, "one slot is not worth a commit before the poll")
        loop.receive(.driven)
        #expect(loop.claimLimit(freeSlots: 2, handedOffSlots: 0) == 2, "a quarter of the slots is")
    }

    @Test func aCommandStopsOnceIdleButWaitsForALeaseAnotherWorkerHolds() {
        var loop = ClaimScheduler(untilIdle: true, concurrency: 4)
        #expect(loop.afterLook(ClaimScheduler.Claim(ids: ["r1"], limit: 4, held: []), freeSlots: 3) == [.drive("r1"), .poll(askNextWake: false, leasesUntil: nil)])
        loop.receive(.driven)
        let expires = Self.now.addingTimeInterval(20)
        let held = [HeldRun(id: "r2", owner: "other:1:2", expiresAt: expires)]
        #expect(loop.claimLimit(freeSlots: 4, handedOffSlots: 0) == 4, "idle: it looks at once")
        #expect(loop.afterLook(ClaimScheduler.Claim(ids: [], limit: 4, held: held), freeSlots: 4) == [.announceWait(held)],
                "announced once; the poll already armed stands")
        loop.receive(.polled)
        #expect(loop.afterLook(ClaimScheduler.Claim(ids: [], limit: 4, held: held), freeSlots: 4) == [.poll(askNextWake: true, leasesUntil: expires)],
                "the same holder is not announced again; the poll ends just after the lease does")
        #expect(ClaimScheduler.pollTarget(now: Self.now, pollInterval: 1, nextWake: nil, leasesUntil: Self.now.addingTimeInterval(0.5))
                == Self.now.addingTimeInterval(0.55))
        loop.receive(.polled)
        #expect(loop.afterLook(ClaimScheduler.Claim(ids: [], limit: 4, held: []), freeSlots: 4) == [.stop], "nothing due, nothing held: done")
    }

    @Test func handOffsCountAgainstTheSlotsAndTheirEndIsAwaitedOnceAtATime() {
        var loop = ClaimScheduler(untilIdle: false, concurrency: 8)
        #expect(loop.claimLimit(freeSlots: 0, handedOffSlots: 8) == nil, "every slot handed off")
        #expect(loop.afterLook(nil, freeSlots: 0) == [.awaitHandOffEnd, .poll(askNextWake: false, leasesUntil: nil)],
                "with no free slot a due run could not be claimed: its wake time is not waited for")
        #expect(loop.afterLook(nil, freeSlots: 0).isEmpty)
        loop.receive(.handOffEnded)
        #expect(loop.claimLimit(freeSlots: 1, handedOffSlots: 7) == nil, "one slot of eight, hand-offs still driven, no poll yet")
        #expect(loop.afterLook(nil, freeSlots: 1) == [.awaitHandOffEnd])
        loop.receive(.polled)
        #expect(loop.claimLimit(freeSlots: 1, handedOffSlots: 7) == 1, "the poll tick claims even one slot")
    }

    @Test func thePollEndsAtTheIntervalOrWhenARunIsDueWhicheverIsFirst() {
        #expect(ClaimScheduler.pollTarget(now: Self.now, pollInterval: 1, nextWake: nil, leasesUntil: nil) == Self.now.addingTimeInterval(1))
        #expect(ClaimScheduler.pollTarget(now: Self.now, pollInterval: 1, nextWake: Self.now.addingTimeInterval(0.2), leasesUntil: nil)
                == Self.now.addingTimeInterval(0.2))
        #expect(ClaimScheduler.pollTarget(now: Self.now, pollInterval: 1, nextWake: Self.now.addingTimeInterval(5), leasesUntil: nil)
                == Self.now.addingTimeInterval(1))
    }
}
