import Foundation
import Logging

/// Renews the leases of the runs a worker drives, every third of the lease, and tells a run's driver when its
/// lease is gone: another worker holds it now, or it lapsed before it could be renewed (the process was paused
/// past it, or the store could not be reached). A driver told so ends its attempts at once, so no two attempts
/// of one step overlap.
actor LeaseKeeper {
    private struct Held {
        var expiresAt: Date
        var lost: @Sendable () -> Void
        var token: Int
    }

    private var nextToken = 0

    private var held: [String: Held] = [:]
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
        nextToken += 1
        held[runID] = Held(expiresAt: clock.now().addingTimeInterval(configuration.leaseDuration), lost: lost, token: nextToken)
        return nextToken
    }

    func forget(_ runID: String, token: Int) {
        if held[runID]?.token == token { held[runID] = nil }
    }

    /// One renewal round: lapsed leases are given up without renewing, the rest renewed, and those the store
    /// no longer lets this worker hold are reported lost.
    func renew() async {
        let now = clock.now()
        var lapsed: [String] = []
        for (id, lease) in held where lease.expiresAt < now { lapsed.append(id) }
        for id in lapsed {
            logger.warning("lease of run \(id) lapsed \(Int(now.timeIntervalSince(held[id]!.expiresAt))) s ago (this worker was paused or could not renew); ending its attempts")
            held.removeValue(forKey: id)?.lost()
        }
        let ids = Array(held.keys)
        guard !ids.isEmpty else { return }
        let until = now.addingTimeInterval(configuration.leaseDuration)
        guard let kept = try? await store.renewLeases(ids, worker: configuration.workerID, until: until) else {
            // The store could not be reached: before a lease can lapse unnoticed, its attempts end (a claimant
            // elsewhere may take the run over the moment it expires).
            for (id, lease) in held where lease.expiresAt.timeIntervalSince(now) < configuration.leaseDuration / 2 {
                logger.warning("lease of run \(id) could not be renewed and expires before the next renewal; ending its attempts")
                held.removeValue(forKey: id)?.lost()
            }
            return
        }
        for id in ids {
            if kept.contains(id) {
                held[id]?.expiresAt = until
            } else if let lease = held.removeValue(forKey: id) {
                logger.warning("run \(id) is held by another worker now; ending its attempts here")
                lease.lost()
            }
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
