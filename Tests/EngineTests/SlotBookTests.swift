@testable import Engine
import Testing

/// A worker's slots, step by step with nothing running: claimed runs and hand-offs share the concurrency, a hand-off
/// needs a loop that runs until stopped, and a run made as the last loop stops is claimed later instead.
@Suite struct SlotBookTests {
    @Test func claimedRunsAndHandOffsShareTheConcurrency() {
        var slots = SlotBook(capacity: 3)
        slots.loopStarted()
        slots.claimedChanged(by: 3)  // a claim books every free slot before it asks the store…
        let duringClaim = slots.reserve()
        #expect(!duringClaim, "…so no hand-off takes one meanwhile")
        slots.claimedChanged(by: -2)  // …and gives back the two it did not fill
        #expect(slots.free == 2)
        let first = slots.reserve(), second = slots.reserve(), third = slots.reserve()
        #expect(first && second)
        #expect(!third, "one claimed run and two hand-offs fill three slots")
        #expect(slots.free == 0 && slots.handedOff == 2)
        slots.handOffEnded()
        #expect(slots.free == 1)
        slots.claimedChanged(by: -1)  // the claimed run's drive ended
        #expect(slots.free == 2 && slots.claimed == 0)
    }

    @Test func noHandOffWithoutALoopThatTakesThem() {
        var slots = SlotBook(capacity: 4)
        let withoutLoop = slots.reserve()
        #expect(!withoutLoop, "a command's loop (or none) takes no hand-off: the run is claimed like any other")
        slots.loopStarted()
        let withLoop = slots.reserve()
        #expect(withLoop)
        slots.handOffEnded()  // the run could not be made: the reservation is given back
        #expect(slots.free == 4)
    }

    @Test func aRunMadeAsTheLastLoopStopsGivesItsSlotBack() {
        var slots = SlotBook(capacity: 2)
        slots.loopStarted()
        slots.loopStarted()
        let reserved = slots.reserve()
        let firstStopIsLast = slots.loopStopped(), secondStopIsLast = slots.loopStopped()
        #expect(reserved)
        #expect(!firstStopIsLast, "one loop still runs")
        #expect(secondStopIsLast, "the last loop stopped: hand-offs end")
        let started = slots.startReserved()
        #expect(!started, "the reserved run is not driven here")
        #expect(slots.free == 2 && slots.handedOff == 0)
        let afterStop = slots.reserve()
        #expect(!afterStop)
    }

    @Test func aReservedRunStartsWhileALoopRuns() {
        var slots = SlotBook(capacity: 1)
        slots.loopStarted()
        let reserved = slots.reserve(), started = slots.startReserved()
        #expect(reserved && started)
        #expect(slots.handedOff == 1 && slots.free == 0, "the slot stays held while the drive goes")
        slots.handOffEnded()
        #expect(slots.free == 1)
    }
}
