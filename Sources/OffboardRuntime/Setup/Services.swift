import Engine
import Foundation
import Handlers
import Logging
import Playbook
import ServiceLifecycle
import Synchronization

/// The worker as a swift-service-lifecycle service: it claims and drives runs until the group shuts down
/// (graceful shutdown stops new claims, ends the attempts in flight so they are cleanly resumed with the same
/// idempotency key, and gives the leases back) or, with `untilIdle`, until nothing is due or in progress.
public final class WorkerService: Service, Sendable {
    public let worker: Worker
    public let untilIdle: Bool
    private let lastReport = Mutex<Worker.Report?>(nil)

    public init(worker: Worker, untilIdle: Bool = false) {
        self.worker = worker
        self.untilIdle = untilIdle
    }

    /// What the worker did, once it has returned.
    public var report: Worker.Report? { lastReport.withLock { $0 } }

    public func run() async throws {
        let outcome: Result<Worker.Report, any Error>
        do {
            outcome = .success(try await cancelWhenGracefulShutdown { [worker, untilIdle] in try await worker.run(untilIdle: untilIdle) })
        } catch {
            outcome = .failure(error)
        }
        // The targets' connections kept for reuse end with the worker that used them, however it ended.
        await BuiltInHandlers.closeIdleConnections()
        let report = try outcome.get()
        lastReport.withLock { $0 = report }
    }
}

/// Purges the personal data of runs finished longer ago than `period`, at start and then hourly.
public struct RetentionService: Service {
    public let purge: PersonalDataPurge
    public let period: PlaybookDuration
    public let clock: any EngineClock
    public let logger: Logger

    public init(store: any RunStore, registry: HandlerRegistry, period: PlaybookDuration, clock: any EngineClock,
                logger: Logger = Logger(label: "offboard.retention")) {
        purge = PersonalDataPurge(store: store, catalog: registry)
        self.period = period
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let now = clock.now()
                do {
                    let purged = try await purge.purge(finishedBefore: now.addingTimeInterval(-TimeInterval(period.seconds)), at: now, dryRun: false)
                    if !purged.isEmpty { logger.notice("retention \(period): purged the personal data of \(purged.count) run(s)") }
                } catch {
                    logger.warning("retention purge failed: \(error)")
                }
                try? await clock.sleep(until: clock.now().addingTimeInterval(3600))
            }
        }
    }
}
