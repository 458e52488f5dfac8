import Foundation

/// The claim loop's decisions, apart from everything it awaits: when to ask the store for due runs and for how many,
/// which runs to drive, when to stop, and what to wait for next. Pure (no store, clock or task): `Worker` carries out
/// its actions and reports back what happened, and its tests run it on made-up times with nothing sleeping.
struct ClaimScheduler: Sendable, Equatable {
    enum Action: Sendable, Equatable {
        /// Say which due runs other workers hold (once for each set of them).
        case announceWait([HeldRun])
        /// Drive this claimed run in a slot of its own.
        case drive(String)
        /// Nothing is due, nothing is driven, and no lease of another worker is worth waiting for: the loop is done.
        case stop
        /// Wait for a hand-off's drive to end: its slot may then be claimed.
        case awaitHandOffEnd
        /// Wait for a wake-up from the store, or until `ClaimScheduler.pollTarget`; with `askNextWake`, the store's
        /// next wake time is read first (only an idle loop with a free slot could claim the run due then).
        case poll(askNextWake: Bool, leasesUntil: Date?)
    }

    /// What the shell reports back.
    enum Event: Sendable, Equatable {
        case polled
        case driven
        case handOffEnded
    }

    /// What a claim found: the runs claimed (at most `limit`), and the due runs other workers hold.
    struct Claim: Sendable, Equatable {
        var ids: [String]
        var limit: Int
        var held: [HeldRun]
    }

    /// Stop once idle (a command), or run until cancelled (a server's worker, which also takes hand-offs).
    let untilIdle: Bool
    let concurrency: Int
    /// Runs this loop claimed and drives (hand-offs drive themselves; they count where a slot is concerned).
    private(set) var driving = 0
    private var waitingForHandOffEnd = false
    private var polling = false
    /// A poll came since the last claim: a claim may be worth it even for a few free slots.
    private var pollTick = true
    /// Due runs may be waiting that no claim took: after a wake-up or a poll, or a claim that filled every free
    /// slot. Otherwise a finished run or a hand-off is no reason to ask the store again (each ask is a commit).
    private var mayHaveMore = true
    /// When the earliest lease of another worker on a due run ends (an idle loop that stops when idle waits for it).
    private var waitForLeases: Date?
    private var announcedWait: Set<String> = []

    init(untilIdle: Bool, concurrency: Int) {
        self.untilIdle = untilIdle
        self.concurrency = concurrency
    }

    /// How many runs to claim now, or nil for no claim. Claims come in batches (when idle, when a quarter of the slots
    /// are free, or on the poll tick), so they share commits instead of costing one each.
    func claimLimit(freeSlots free: Int, handedOffSlots: Int) -> Int? {
        let idle = driving == 0 && handedOffSlots == 0
        guard free > 0, idle || (mayHaveMore && (pollTick || free >= max(1, concurrency / 4))) else { return nil }
        return free
    }

    /// After a look (a claim, or none): what to drive, and what to wait for. `freeSlots` is counted after the claim.
    mutating func afterLook(_ claim: Claim?, freeSlots: Int) -> [Action] {
        var actions: [Action] = []
        if let claim {
            waitForLeases = nil
            mayHaveMore = claim.ids.count >= claim.limit
            if untilIdle, driving == 0, claim.ids.isEmpty, !claim.held.isEmpty {
                waitForLeases = claim.held.map(\.expiresAt).min()
                let ids = Set(claim.held.map(\.id))
                if ids != announcedWait {
                    announcedWait = ids
                    actions.append(.announceWait(claim.held))
                }
            }
        }
        pollTick = false
        let claimed = claim?.ids ?? []
        actions += claimed.map(Action.drive)
        driving += claimed.count
        if driving == 0, claimed.isEmpty, untilIdle, waitForLeases == nil { return actions + [.stop] }
        if !untilIdle, !waitingForHandOffEnd {
            waitingForHandOffEnd = true
            actions.append(.awaitHandOffEnd)
        }
        if !polling {
            polling = true
            // With every slot taken (by hand-offs, say) a due run could not be claimed: waiting for it would spin.
            actions.append(.poll(askNextWake: driving == 0 && freeSlots > 0, leasesUntil: waitForLeases))
        }
        return actions
    }

    mutating func receive(_ event: Event) {
        switch event {
        case .polled:
            polling = false
            pollTick = true
            mayHaveMore = true
        case .driven:
            driving -= 1
        case .handOffEnded:
            waitingForHandOffEnd = false
        }
    }

    /// When a poll ends at the latest: the poll interval, or sooner when a run is due (`nextWake`) or another
    /// worker's lease ends (just after it, so the run is free to claim).
    static func pollTarget(now: Date, pollInterval: TimeInterval, nextWake: Date?, leasesUntil: Date?) -> Date {
        var target = min(nextWake ?? .distantFuture, now.addingTimeInterval(pollInterval))
        if let leasesUntil { target = min(target, leasesUntil.addingTimeInterval(0.05)) }
        return target
    }
}
