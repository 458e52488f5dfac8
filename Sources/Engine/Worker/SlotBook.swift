/// A worker's slots, counted: how many runs its claim loops drive, how many hand-offs hold, and whether a hand-off may
/// take one. Pure (no lock, no task): `Handoffs` keeps one under a lock, and its tests run it step by step.
///
/// The rules it keeps: a worker never drives more runs than its concurrency, counting claimed runs, reserved
/// hand-offs and hand-offs being driven alike; a hand-off is taken only while a claim loop that runs until stopped
/// is running (a command's loop, which stops when idle, takes none); and the last loop to stop ends hand-offs.
struct SlotBook: Sendable, Equatable {
    let capacity: Int
    /// Claim loops running that take hand-offs.
    private(set) var loops = 0
    /// Slots booked for, or held by, runs the loops claimed.
    private(set) var claimed = 0
    /// Slots reserved for hand-offs, or held by their drives.
    private(set) var handedOff = 0

    init(capacity: Int) { self.capacity = capacity }

    /// Slots neither claimed runs nor hand-offs hold: what a claim may fill.
    var free: Int { capacity - claimed - handedOff }

    mutating func loopStarted() { loops += 1 }

    /// A loop stopped; true when it was the last (hand-offs end then).
    mutating func loopStopped() -> Bool {
        loops -= 1
        return loops == 0
    }

    /// A claim books `count` slots before it asks the store, and gives back what it did not fill (a negative count);
    /// a claimed run's drive ending gives back one.
    mutating func claimedChanged(by count: Int) {
        claimed += count
        assert(claimed >= 0, "more claimed slots given back than booked")
    }

    /// Reserves a slot for a run about to be made; false when no loop runs or every slot is taken.
    mutating func reserve() -> Bool {
        guard loops > 0, free > 0 else { return false }
        handedOff += 1
        return true
    }

    /// The reserved run was made: true when its drive may start; false when every loop stopped meanwhile (the slot is
    /// given back, and the run is claimed later like any other).
    mutating func startReserved() -> Bool {
        guard loops > 0 else {
            handedOff -= 1
            return false
        }
        return true
    }

    /// A reserved run will not be made, or a handed-off drive ended: its slot is free again.
    mutating func handOffEnded() {
        assert(handedOff > 0, "a hand-off ended that held no slot")
        handedOff -= 1
    }
}
