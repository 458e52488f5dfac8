import ArgumentParser
import Foundation
import OffboardRuntime
import Logging
import Playbook
import ServiceLifecycle
import UnixSignals

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
        var concurrency = WorkerConfiguration.defaultConcurrency

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
            let process = ProcessAssembly(store: try store.openStore(), registry: try HandlerSetup.registryOrExit(), secrets: secrets.resolver,
                                          clock: CommandClock.current)
            let worker = WorkerService(worker: process.worker(configuration, observer: LineProgress(showRunID: true)), untilIdle: untilIdle)
            // SIGINT and SIGTERM shut the group down gracefully: no new claims, attempts ended so they resume, leases given back.
            var services = [ServiceGroupConfiguration.ServiceConfiguration(service: worker, successTerminationBehavior: .gracefullyShutdownGroup)]
            services += process.services(retention: try RetentionOption.period(retention)).map { .init(service: $0) }
            let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                                              logger: Logger(label: "offboard.services")))
            try await group.run()
            let report = worker.report ?? .init()
            Output.error("worker \(configuration.workerID): drove \(report.runsDriven) run(s), \(report.finished.count) finished")
        }
    }
}
