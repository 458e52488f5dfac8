import Foundation
import Logging
import Playbook

/// How a worker behaves.
public struct WorkerConfiguration: Sendable {
    /// Names this worker in leases; unique per process.
    public var workerID: String
    /// Runs driven at once.
    public var concurrency: Int
    /// Attempts of one run executing at once.
    public var maxParallelPerRun: Int
    /// How long a claim lasts without renewal; a killed worker's runs are taken over after this.
    public var leaseDuration: TimeInterval
    /// Waits shorter than this are slept through; longer ones release the run until it is due.
    public var holdWindow: TimeInterval
    /// How often a driven run checks for cancel and redrive requests.
    public var requestPollInterval: TimeInterval
    /// How often an idle worker looks for due runs.
    public var pollInterval: TimeInterval

    public init(workerID: String = WorkerConfiguration.defaultWorkerID(), concurrency: Int = 32, maxParallelPerRun: Int = 8,
                leaseDuration: TimeInterval = 30, holdWindow: TimeInterval = 30, requestPollInterval: TimeInterval = 1, pollInterval: TimeInterval = 1) {
        self.workerID = workerID
        self.concurrency = max(1, concurrency)
        self.maxParallelPerRun = max(1, maxParallelPerRun)
        self.leaseDuration = leaseDuration
        self.holdWindow = holdWindow
        self.requestPollInterval = requestPollInterval
        self.pollInterval = pollInterval
    }

    /// `host:pid:random`, so two workers never share an id.
    public static func defaultWorkerID() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UInt32.random(in: 0...UInt32.max))"
    }
}

/// What a worker and its drivers share.
struct WorkerContext: Sendable {
    let store: any RunStore
    let writer: JournalWriter
    let playbooks: PinnedPlaybooks
    let runner: AttemptRunner
    let clock: any EngineClock
    let configuration: WorkerConfiguration
    let observer: (any RunObserver)?
    let logger: Logger
}

/// Claims due runs from the store and drives them, many at once, renewing their leases.
public struct Worker: Sendable {
    let context: WorkerContext

    public init(store: any RunStore, registry: HandlerRegistry, secrets: any SecretResolver = EnvironmentSecretResolver(),
                clock: any EngineClock = SystemClock(), configuration: WorkerConfiguration = WorkerConfiguration(),
                observer: (any RunObserver)? = nil, logger: Logger = Logger(label: "offboard.worker")) {
        context = WorkerContext(store: store, writer: JournalWriter(store: store), playbooks: PinnedPlaybooks(catalog: registry),
                                runner: AttemptRunner(registry: registry, secrets: secrets, clock: clock, logger: logger),
                                clock: clock, configuration: configuration, observer: observer, logger: logger)
    }

    /// What a worker did before it returned.
    public struct Report: Sendable, Hashable {
        public var runsDriven = 0
        public var finished: [String: RunState] = [:]
    }

    private enum Event: Sendable {
        case driven(String, RunDriver.Ending?)
        case poll
    }

    /// Drives runs until cancelled or, with `untilIdle`, until no run is due and none is being driven.
    public func run(untilIdle: Bool) async throws -> Report {
        let configuration = context.configuration
        let active = ActiveRuns()
        let renewal = Task { [context] in
            while !Task.isCancelled {
                try? await context.clock.sleep(until: context.clock.now().addingTimeInterval(configuration.leaseDuration / 3))
                let ids = await active.ids
                _ = try? await context.store.renewLeases(ids, worker: configuration.workerID, until: context.clock.now().addingTimeInterval(configuration.leaseDuration))
            }
        }
        defer { renewal.cancel() }
        var report = Report()
        try await withThrowingTaskGroup(of: Event.self) { group in
            var driving = 0
            var polling = false
            var pollTick = true
            while !Task.isCancelled {
                var claimed: [String] = []
                // Claim in batches (when idle, when a quarter of the slots are free, or on the poll
                // tick), so claims share commits instead of costing one each.
                let free = configuration.concurrency - driving
                if free > 0, driving == 0 || pollTick || free >= max(1, configuration.concurrency / 4) {
                    let now = context.clock.now()
                    claimed = try await context.store.claimDueRuns(worker: configuration.workerID, now: now,
                                                                   leaseUntil: now.addingTimeInterval(configuration.leaseDuration),
                                                                   limit: free)
                }
                pollTick = false
                for id in claimed {
                    driving += 1
                    report.runsDriven += 1
                    await active.insert(id)
                    group.addTask { [context] in
                        do {
                            return .driven(id, try await RunDriver(runID: id, context: context).drive())
                        } catch {
                            context.logger.error("run \(id) could not be driven: \(error)")
                            // A fresh task: this one may be cancelled, and the store refuses work from a cancelled task.
                            await Task { try? await context.store.release(id, worker: configuration.workerID,
                                                                           deferUntil: context.clock.now().addingTimeInterval(60)) }.value
                            return .driven(id, nil)
                        }
                    }
                }
                if driving == 0, claimed.isEmpty, untilIdle { break }
                if !polling {
                    polling = true
                    let wake = driving == 0 ? try? await context.store.nextWake() : nil
                    group.addTask { [context] in
                        let target = min(wake ?? .distantFuture, context.clock.now().addingTimeInterval(configuration.pollInterval))
                        try? await context.clock.sleep(until: target)
                        return .poll
                    }
                }
                guard let event = try await group.next() else { break }
                switch event {
                case .poll:
                    polling = false
                    pollTick = true
                case .driven(let id, let ending):
                    driving -= 1
                    await active.remove(id)
                    if case .finished(let state)? = ending { report.finished[id] = state }
                }
            }
            group.cancelAll()
        }
        return report
    }

    /// Claims one run and drives it until it finishes or waits longer than the hold window.
    /// Returns nil when another worker holds the run.
    public func drive(runID: String) async throws -> RunState? {
        let configuration = context.configuration
        let now = context.clock.now()
        guard try await context.store.claimRun(runID, worker: configuration.workerID, now: now,
                                               leaseUntil: now.addingTimeInterval(configuration.leaseDuration)) else { return nil }
        let renewal = Task { [context] in
            while !Task.isCancelled {
                try? await context.clock.sleep(until: context.clock.now().addingTimeInterval(configuration.leaseDuration / 3))
                _ = try? await context.store.renewLeases([runID], worker: configuration.workerID, until: context.clock.now().addingTimeInterval(configuration.leaseDuration))
            }
        }
        defer { renewal.cancel() }
        switch try await RunDriver(runID: runID, context: context).drive() {
        case .finished(let state), .parked(let state, _): return state
        case .leaseLost: return nil
        }
    }
}

/// The runs a worker is driving, for lease renewal.
actor ActiveRuns {
    private(set) var ids: [String] = []
    func insert(_ id: String) { ids.append(id) }
    func remove(_ id: String) { ids.removeAll { $0 == id } }
}
