import Foundation
import Logging
import Synchronization

/// Renews the leases of the runs a worker drives, every third of the lease, and tells a run's driver when its
/// lease is gone: another worker holds it now, or it lapsed before it could be renewed (the process was paused
/// past it, or the store could not be reached). A driver told so ends its attempts at once, so no two attempts
/// of one step overlap. What each round decides is `LeaseBook`'s; this reads the clock, asks the store and tells.
final class LeaseKeeper: Sendable {
    private struct State {
        var book: LeaseBook
        /// Whom to tell when a run's lease goes, with the token of the keeping they belong to.
        var told: [String: (token: Int, lost: @Sendable () -> Void)] = [:]

        /// The calls for runs whose leases went (each made once).
        mutating func take(_ ids: [String]) -> [(id: String, lost: @Sendable () -> Void)] {
            ids.compactMap { id in told.removeValue(forKey: id).map { (id, $0.lost) } }
        }
    }

    /// A lock, not an actor: every run's driver starts and stops keeping its lease, and under a burst of runs a hop
    /// to an actor and back would queue each behind the others.
    private let state: Mutex<State>
    private let store: any RunStore
    private let clock: any EngineClock
    private let configuration: WorkerConfiguration
    private let logger: Logger

    init(store: any RunStore, clock: any EngineClock, configuration: WorkerConfiguration, logger: Logger) {
        state = Mutex(State(book: LeaseBook(duration: configuration.leaseDuration)))
        self.store = store
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
    }

    /// Starts keeping a run's lease (just claimed, so it lasts the lease from now); `lost` is called once if it
    /// goes. The token lets the driver forget exactly this keeping, even after the run was claimed again.
    func keep(_ runID: String, lost: @escaping @Sendable () -> Void) -> Int {
        let now = clock.now()
        return state.withLock { state in
            let token = state.book.keep(runID, at: now)
            state.told[runID] = (token, lost)
            return token
        }
    }

    func forget(_ runID: String, token: Int) {
        state.withLock { state in
            state.book.forget(runID, token: token)
            if state.told[runID]?.token == token { state.told[runID] = nil }
        }
    }

    /// One renewal round: lapsed leases are given up without renewing, the rest renewed, and those the store
    /// no longer lets this worker hold are reported lost. (`lost` is called outside the lock.)
    func renew() async {
        let now = clock.now()
        let (round, lapsed) = state.withLock { state in
            let round = state.book.beginRound(at: now)
            return (round, state.take(round.lapsed.map(\.id)))
        }
        for (id, lost) in lapsed {
            let ago = round.lapsed.first { $0.id == id }.map { Int(now.timeIntervalSince($0.expiredAt)) } ?? 0
            logger.warning("lease of run \(id) lapsed \(ago) s ago (this worker was paused or could not renew); ending its attempts")
            lost()
        }
        guard !round.renew.isEmpty else { return }
        guard let kept = try? await store.renewLeases(round.renew, worker: configuration.workerID, until: round.renewUntil) else {
            // The store could not be reached: before a lease can lapse unnoticed, its attempts end (a claimant
            // elsewhere may take the run over the moment it expires).
            for (id, lost) in state.withLock({ state in state.take(state.book.unreachable(at: now)) }) {
                logger.warning("lease of run \(id) could not be renewed and expires before the next renewal; ending its attempts")
                lost()
            }
            return
        }
        for (id, lost) in state.withLock({ state in state.take(state.book.renewed(kept, of: round.renew, until: round.renewUntil)) }) {
            logger.warning("run \(id) is held by another worker now; ending its attempts here")
            lost()
        }
    }

    /// Renews every third of the lease until cancelled.
    func loop() async {
        while !Task.isCancelled {
            let next = state.withLock { $0.book.nextRound(after: clock.now()) }
            try? await clock.sleep(until: next)
            if Task.isCancelled { return }
            await renew()
        }
    }
}
