import ArgumentParser
import Engine
import Foundation
import Handlers
import Logging
import Playbook

extension Offboard {
    /// `offboard worker`: drives every runnable run.
    struct Worker: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drive every runnable run: start due steps, fire timers, resume after a crash.",
            discussion: """
                Several workers may share one database: each claims runs with a lease, so no step \
                attempt runs twice at once. A killed worker's runs are taken over at once on the same \
                machine (its process is gone), elsewhere when its lease expires; a worker paused past \
                its lease ends its attempts when it resumes, and the one that took over first ends the \
                child processes it left. A step that was running when a worker died runs again with the \
                same idempotency key. With --until-idle the worker also waits for runs other workers \
                still hold, saying which. A run started while the worker is idle wakes it at once.

                Examples:
                  offboard worker                 # runs until stopped (SIGINT or SIGTERM)
                  offboard worker --until-idle    # exits when no run is due and none is in progress

                Exit codes: 0 stopped or idle; 69 the run database cannot be opened.
                """
        )

        @Flag(help: "Exit when no run is due now and none is being driven.")
        var untilIdle = false

        @Option(help: "Runs driven at once.")
        var concurrency = 32

        @Option(help: ArgumentHelp("How long a claim on a run lasts without renewal, in seconds.", valueName: "seconds"))
        var lease: Double = 30

        @Option(help: ArgumentHelp("Purge the personal data of runs finished longer ago than this, at start and hourly (default: env OFFBOARD_RETENTION).",
                                   valueName: "duration"))
        var retention: String?

        @OptionGroup var store: StoreOptions
        @OptionGroup var secrets: SecretOptions

        func validate() throws {
            _ = try RetentionOption.period(retention)
            guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
            guard lease >= 1 else { throw ValidationError("--lease must be at least 1 second") }
        }

        func run() async throws {
            Logs.bootstrap(level: .info)
            let configuration = WorkerConfiguration(concurrency: concurrency, leaseDuration: lease, holdWindow: min(30, lease))
            let database = try store.openStore(), registry = try HandlerSetup.registry(), clock = CommandClock.current
            let worker = Engine.Worker(store: database, registry: registry, secrets: secrets.resolver,
                                       clock: clock, configuration: configuration,
                                       observer: LineProgress(showRunID: true))
            let retentionTask = try RetentionOption.period(retention).map { period in
                Task {
                    let purge = PersonalDataPurge(store: database, catalog: registry)
                    while !Task.isCancelled {
                        let now = clock.now()
                        do {
                            let purged = try await purge.purge(finishedBefore: now.addingTimeInterval(-TimeInterval(period.seconds)), at: now, dryRun: false)
                            if !purged.isEmpty { Output.error("retention \(period): purged the personal data of \(purged.count) run(s)") }
                        } catch {
                            Output.error("warning: retention purge failed: \(error)")
                        }
                        try? await clock.sleep(until: clock.now().addingTimeInterval(3600))
                    }
                }
            }
            defer { retentionTask?.cancel() }
            let task = Task { try await worker.run(untilIdle: untilIdle) }
            let signals = SignalWatcher { task.cancel() }
            defer { signals.stop() }
            let report = try await task.value
            Output.error("worker \(configuration.workerID): drove \(report.runsDriven) run(s), \(report.finished.count) finished")
        }
    }
}
