@testable import Engine
import Testing

/// The signal a worker's loop waits on (the store's wake-ups, a hand-off's end), with nothing sleeping: a raise is
/// never lost, whichever comes first, and a wait that is cancelled ends.
@Suite struct WakeSignalTests {
    @Test func aRaiseBeforeTheWaitIsKeptForIt() async {
        let signal = WakeSignal()
        await signal.raise()
        await signal.raise()  // two raises with no waiter are one wake-up
        await signal.wait()  // returns at once
    }

    @Test func aWaitEndsOnTheRaiseWhicheverComesFirst() async {
        for _ in 0..<200 {
            let signal = WakeSignal()
            let waiter = Task { await signal.wait() }
            await signal.raise()
            await waiter.value
        }
    }

    @Test func aCancelledWaitEnds() async {
        let signal = WakeSignal()
        let waiter = Task { await signal.wait() }
        waiter.cancel()
        await waiter.value
    }
}
