import Foundation

/// The leases a worker keeps, as data: which runs, until when, and what a renewal round does with them. Pure:
/// `LeaseKeeper` reads the clock, asks the store and tells the drivers, and its rules are tested here on made-up
/// times with nothing sleeping.
struct LeaseBook: Sendable, Equatable {
    struct Lease: Sendable, Equatable {
        var expiresAt: Date
        /// Which keeping of the run this is (the run may be claimed again after it was let go).
        var token: Int
    }

    /// How long a claim or a renewal lasts.
    let duration: TimeInterval
    private(set) var leases: [String: Lease] = [:]
    private var lastToken = 0

    init(duration: TimeInterval) { self.duration = duration }

    /// Starts keeping a run's lease, claimed at `now`; returns the keeping's token.
    mutating func keep(_ runID: String, at now: Date) -> Int {
        lastToken += 1
        leases[runID] = Lease(expiresAt: now.addingTimeInterval(duration), token: lastToken)
        return lastToken
    }

    /// Stops keeping exactly that keeping (a later claim of the run keeps its own).
    mutating func forget(_ runID: String, token: Int) {
        if leases[runID]?.token == token { leases[runID] = nil }
    }

    /// A renewal round begins at `now`: leases already past their expiry are lost without asking (this worker was
    /// paused past them, or could not renew); the rest are to be renewed until `renewUntil`.
    mutating func beginRound(at now: Date) -> (lapsed: [(id: String, expiredAt: Date)], renew: [String], renewUntil: Date) {
        let lapsed = leases.filter { $0.value.expiresAt < now }.map { (id: $0.key, expiredAt: $0.value.expiresAt) }.sorted { $0.id < $1.id }
        for run in lapsed { leases[run.id] = nil }
        return (lapsed, leases.keys.sorted(), now.addingTimeInterval(duration))
    }

    /// The store renewed `kept` of the runs asked for: those are good until `until`; the others another worker holds
    /// now, and are lost.
    mutating func renewed(_ kept: Set<String>, of asked: [String], until: Date) -> [String] {
        var lost: [String] = []
        for id in asked {
            if kept.contains(id) {
                leases[id]?.expiresAt = until
            } else if leases.removeValue(forKey: id) != nil {
                lost.append(id)
            }
        }
        return lost
    }

    /// The store could not be reached at `now`: a lease that could lapse before the next round is given up now, so
    /// its attempts end before a claimant elsewhere can take the run over.
    mutating func unreachable(at now: Date) -> [String] {
        let ending = leases.filter { $0.value.expiresAt.timeIntervalSince(now) < duration / 2 }.map(\.key).sorted()
        for id in ending { leases[id] = nil }
        return ending
    }

    /// When the next round is due: every third of the lease.
    func nextRound(after now: Date) -> Date { now.addingTimeInterval(duration / 3) }
}
