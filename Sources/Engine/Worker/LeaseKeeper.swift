import Foundation
import Logging
import Synchronization

/// Renews the leases of the runs a worker drives, every third of the lease, and tells a run's driver when its
/// lease is gone: another worker holds it now, or it lapsed before it could be renewed (the process was paused
/// past it, or the store could not be reached). A driver told so ends its attempts at once, so no two attempts
/// of one step overlap.
final class LeaseKeeper: Sendable {
    private struct Held {
        var expiresAt: Date
        var lost: @Sendable () -> Void
        var token: Int
    }

    /// The leases kept, by run, and the last token given. A lock, not an actor: every run's driver starts and stops
    /// keeping its lease, and under a burst of runs a hop to an actor and back would queue each behind the others.
    private let state = Mutex<(held: [String: Held], nextToken: Int)>(([:], 0))
    private let store: any RunStore
    private let clock: any EngineClock
    private let configuration: WorkerConfiguration
    private let logger: Logger

    init(store: any RunStore, clock: any EngineClock, configuration: WorkerConfiguration, logger: Logger) {
        self.store = store
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
    }

    /// Starts keeping a run's lease (just claimed, so it lasts the lease from now); `lost` is called once if it
    /// goes. The token lets the driver forget exactly this keeping, even after the run was claimed again.
    func keep(_ runID: String, lost: @escaping @Sendable () -> Void) -> Int {
        let expiresAt = clock.now().addingTimeInterval(configuration.leaseDuration)
        return state.withLock { state in
            state.nextToken += 1
            state.held[runID] = Held(expiresAt: expiresAt, lost: lost, token: state.nextToken)
            return state.nextToken
        }
    }

    func forget(_ runID: String, token: Int) {
        state.withLock { state in
            if state.held[runID]?.token == token { state.held[runID] = nil }
        }
    }

    /// One renewal round: lapsed leases are given up without renewing, the rest renewed, and those the store
    /// no longer lets this worker hold are reported lost. (`lost` is called outside the lock.)
    func renew() async {
        let now = clock.now()
        let (lapsed, ids) = state.withLock { state -> ([(String, Held)], [String]) in
            let lapsed = state.held.filter { $0.value.expiresAt < now }.map { ($0.key, $0.value) }
            for (id, _) in lapsed { state.held[id] = nil }
            return (lapsed, Array(state.held.keys))
        }
        for (id, lease) in lapsed {
            logger.warning("lease of run \(id) lapsed \(Int(now.timeIntervalSince(lease.expiresAt))) s ago (this worker was paused or could not renew); ending its attempts")
            lease.lost()
        }
        guard !ids.isEmpty else { return }
        let until = now.addingTimeInterval(configuration.leaseDuration)
        guard let kept = try? await store.renewLeases(ids, worker: configuration.workerID, until: until) else {
            // The store could not be reached: before a lease can lapse unnoticed, its attempts end (a claimant
            // elsewhere may take the run over the moment it expires).
            let ending = state.withLock { state -> [(String, Held)] in
                let ending = state.held.filter { $0.value.expiresAt.timeIntervalSince(now) < configuration.leaseDuration / 2 }.map { ($0.key, $0.value) }
                for (id, _) in ending { state.held[id] = nil }
                return ending
            }
            for (id, lease) in ending {
                logger.warning("lease of run \(id) could not be renewed and expires before the next renewal; ending its attempts")
                lease.lost()
            }
            return
        }
        let lost = state.withLock { state -> [(String, Held)] in
            var lost: [(String, Held)] = []
            for id in ids {
                if kept.contains(id) {
                    state.held[id]?.expiresAt = until
                } else if let lease = state.held.removeValue(forKey: id) {
                    lost.append((id, lease))
                }
            }
            return lost
        }
        for (id, lease) in lost {
            logger.warning("run \(id) is held by another worker now; ending its attempts here")
            lease.lost()
        }
    }

    /// Renews every third of the lease until cancelled.
    func loop() async {
        while !Task.isCancelled {
            try? await clock.sleep(until: clock.now().addingTimeInterval(configuration.leaseDuration / 3))
            if Task.isCancelled { return }
            await renew()
        }
    }
}
