import Foundation
import Logging
import Playbook
import Synchronization

/// How a worker behaves.
public struct WorkerConfiguration: Sendable {
    /// Names this worker in leases; unique per process.
    public var workerID: String
    /// Runs driven at once.
    public var concurrency: Int
    /// The default for `concurrency`: more than a layoff's burst of leavers, so none waits for a slot behind another's
    /// steps. It bounds the runs one process drives, not what reaches the targets: each PostgreSQL target gets at most
    /// its `max_connections` and each HTTP host the HTTP client's per-host limit (a step beyond them waits, in its slot).
    public static let defaultConcurrency = 128
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
    /// Whether `submit` may drive a run itself when this worker's loop is not running (a CLI command). A server's
    /// worker says no: its requests are always left to the loop, also while it starts or stops.
    public var submitDrivesRuns = true

    public init(workerID: String = WorkerConfiguration.defaultWorkerID(), concurrency: Int = WorkerConfiguration.defaultConcurrency, maxParallelPerRun: Int = 8,
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
    let leases: LeaseKeeper
    let writer: JournalWriter
    let playbooks: PinnedPlaybooks
    let runner: AttemptRunner
    let clock: any EngineClock
    let configuration: WorkerConfiguration
    let observer: (any RunObserver)?
    let logger: Logger
    /// How many `run(untilIdle:)` loops of this worker are going: while one is, a submitted request is left to it.
    let loops: RunningLoops
    /// Runs made in this process and handed to the running loop (see `Handoffs`).
    let handoffs: Handoffs
}

/// A count shared by a worker's copies (it is a struct): how many of its claim loops are running.
final class RunningLoops: Sendable {
    private let count = Mutex(0)

    var any: Bool { count.withLock { $0 > 0 } }
    func enter() { count.withLock { $0 += 1 } }
    func leave() { count.withLock { $0 -= 1 } }
}

/// Claims due runs from the store and drives them, many at once, renewing their leases.
public struct Worker: Sendable {
    let context: WorkerContext

    public init(store: any RunStore, registry: HandlerRegistry, secrets: any SecretResolver = EnvironmentSecretResolver(),
                clock: any EngineClock = SystemClock(), configuration: WorkerConfiguration = WorkerConfiguration(),
                observer: (any RunObserver)? = nil, logger: Logger = Logger(label: "offboard.worker")) {
        context = WorkerContext(store: store, leases: LeaseKeeper(store: store, clock: clock, configuration: configuration, logger: logger),
                                writer: JournalWriter(store: store), playbooks: PinnedPlaybooks(catalog: registry),
                                runner: AttemptRunner(registry: registry, secrets: secrets, clock: clock, logger: logger),
                                clock: clock, configuration: configuration, observer: observer, logger: logger, loops: RunningLoops(),
                                handoffs: Handoffs(capacity: configuration.concurrency))
    }

    /// This worker's id and lease for a run about to be made in this process, when its loop runs here and has a
    /// free slot: made with it, the run is driven by this worker at once (`handOff`); else nil, and the run is made
    /// unleased and claimed as usual. A reservation not handed off must be given back (`cancelHandoff`).
    public func reserveHandoff() -> (worker: String, until: Date)? {
        guard context.handoffs.reserve() else { return nil }
        return (context.configuration.workerID, context.clock.now().addingTimeInterval(context.configuration.leaseDuration))
    }

    /// The run made with a reservation (`run`: as stored, when the caller has it): its drive starts now. Were the loop
    /// to have stopped meanwhile, the run's lease is given back, and it is claimed like any other (at the next poll).
    public func handOff(_ runID: String, run: StoredRun? = nil) async {
        let context = self.context
        let started = context.handoffs.start(runID) {
            if case .finished(let state)? = await Self.drive(runID, context: context, stored: run) { return state }
            return nil
        }
        guard !started else { return }
        try? await context.store.release(runID, worker: context.configuration.workerID, deferUntil: nil)
    }

    /// The reservation was not used (the run existed already, or could not be made).
    public func cancelHandoff() { context.handoffs.reservationCancelled() }

    /// What a worker did before it returned.
    public struct Report: Sendable, Hashable {
        public var runsDriven = 0
        public var finished: [String: RunState] = [:]

        public init() {}
    }

    private enum Event: Sendable {
        case driven(String, RunDriver.Ending?)
        case poll
        /// A hand-off drive ended: its slot is free (or the wait for that was cancelled).
        case handOffEnded
    }

    /// Drives runs until cancelled or, with `untilIdle`, until no run is due and none is being driven. A run
    /// held by a worker process on this machine that no longer exists is taken over at once; with `untilIdle`,
    /// runs still leased by other workers are waited for (it says which, and until when) instead of left behind.
    public func run(untilIdle: Bool) async throws -> Report {
        context.loops.enter()
        defer { context.loops.leave() }
        let renewal = Task { [context] in await context.leases.loop() }
        defer { renewal.cancel() }
        let wakeUps = WakeUps(context.store.wakeUps())
        defer { wakeUps.stop() }
        // A loop that runs until stopped takes the runs made for it in this process (a server's); one that stops
        // when idle (a command) does not.
        if !untilIdle { context.handoffs.loopStarted() }
        var report = Report()
        do {
            try await claimAndDrive(untilIdle: untilIdle, wakeUps: wakeUps, report: &report)
        } catch {
            // Thrown out of the loop: the drives of handed-off runs end all the same, and are waited for.
            if !untilIdle { await endHandOffDrives(report: &report) }
            throw error
        }
        if !untilIdle { await endHandOffDrives(report: &report) }
        return report
    }

    /// The last loop stopping: the drives of handed-off runs end as the loop's own did (cancelled, each giving its lease
    /// back), and are waited for; what they did goes into the report.
    private func endHandOffDrives(report: inout Report) async {
        let drives = context.handoffs.loopStopped()
        drives.forEach { $0.cancel() }
        for drive in drives { await drive.value }
        let handedOff = context.handoffs.takeReport()
        report.runsDriven += handedOff.runsDriven
        report.finished.merge(handedOff.finished) { _, last in last }
    }

    /// The claim loop: claims due runs into free slots and drives them until cancelled (or, `untilIdle`, idle). What
    /// to do is the `ClaimScheduler`'s to decide; this carries its actions out, in one switch.
    private func claimAndDrive(untilIdle: Bool, wakeUps: WakeUps, report: inout Report) async throws {
        let configuration = context.configuration, handoffs = context.handoffs
        var scheduler = ClaimScheduler(untilIdle: untilIdle, concurrency: configuration.concurrency)
        try await withThrowingTaskGroup(of: Event.self) { group in
            looking: while !Task.isCancelled {
                var claim: ClaimScheduler.Claim?
                if let limit = scheduler.claimLimit(freeSlots: handoffs.freeSlots(), handedOffSlots: handoffs.handedOffSlots()) {
                    let now = context.clock.now()
                    // The slots this claim may fill are booked first, so no hand-off takes one meanwhile.
                    handoffs.claimedChanged(by: limit)
                    do {
                        let held = try await takeOverDeadHolders(now: now)
                        let ids = try await context.store.claimDueRuns(worker: configuration.workerID, now: now,
                                                                       leaseUntil: now.addingTimeInterval(configuration.leaseDuration), limit: limit)
                        handoffs.claimedChanged(by: ids.count - limit)
                        claim = ClaimScheduler.Claim(ids: ids, limit: limit, held: held)
                    } catch {
                        handoffs.claimedChanged(by: -limit)
                        // Stopped while claiming: the store refuses a cancelled task's work, and nothing was
                        // claimed. The runs being driven end as a stop ends them.
                        if Task.isCancelled { break looking }
                        throw error
                    }
                }
                for action in scheduler.afterLook(claim, freeSlots: handoffs.freeSlots()) {
                    switch action {
                    case .announceWait(let held):
                        let names = held.prefix(5).map { "\($0.id) (held by \($0.owner) until \(DateText.iso8601($0.expiresAt)))" }
                        context.logger.notice("waiting for \(held.count) due run(s) leased by other workers: \(names.joined(separator: ", "))\(held.count > 5 ? ", …" : "")")
                    case .drive(let id):
                        drive(id, in: &group, report: &report)
                    case .stop:
                        break looking
                    case .awaitHandOffEnd:
                        group.addTask { await handoffs.nextEnd(); return .handOffEnded }
                    case .poll(let askNextWake, let leasesUntil):
                        let wake = askNextWake ? try? await context.store.nextWake() : nil
                        group.addTask { [context] in
                            let target = ClaimScheduler.pollTarget(now: context.clock.now(), pollInterval: configuration.pollInterval, nextWake: wake,
                                                                   leasesUntil: leasesUntil)
                            await wakeUps.next(orUntil: target, clock: context.clock)
                            return .poll
                        }
                    }
                }
                guard let event = try await group.next() else { break }
                switch event {
                case .poll: scheduler.receive(.polled)
                case .driven(let id, let ending):
                    scheduler.receive(.driven)
                    handoffs.claimedChanged(by: -1)
                    if case .finished(let state)? = ending { report.finished[id] = state }
                case .handOffEnded: scheduler.receive(.handOffEnded)
                }
            }
            group.cancelAll()
            // Stopping: the drives of claimed runs end (each gives its lease back). One that finished its run as the
            // loop stopped is reported like any other.
            while let event = try await group.next() {
                if case .driven(let id, let ending) = event {
                    handoffs.claimedChanged(by: -1)
                    if case .finished(let state)? = ending { report.finished[id] = state }
                }
            }
        }
    }

    /// Drives one claimed run in the loop's group.
    private func drive(_ id: String, in group: inout ThrowingTaskGroup<Event, any Error>, report: inout Report) {
        report.runsDriven += 1
        group.addTask { [context] in .driven(id, await Self.drive(id, context: context)) }
    }

    /// Drives one run this worker holds (claimed or handed off); a run that cannot be driven is given back for a
    /// minute, and nil returned.
    private static func drive(_ id: String, context: WorkerContext, stored: StoredRun? = nil) async -> RunDriver.Ending? {
        do {
            return try await RunDriver(runID: id, context: context, stored: stored).drive()
        } catch {
            context.logger.error("run \(id) could not be driven: \(error)")
            // A fresh task: this one may be cancelled, and the store refuses work from a cancelled task.
            await Task { try? await context.store.release(id, worker: context.configuration.workerID,
                                                           deferUntil: context.clock.now().addingTimeInterval(60)) }.value
            return nil
        }
    }

    /// Due runs other workers hold; the leases of holders on this machine whose process is gone are broken
    /// first (they are then claimed like free runs). Returns the runs still held.
    private func takeOverDeadHolders(now: Date, only runID: String? = nil) async throws -> [HeldRun] {
        var stillHeld: [HeldRun] = []
        for run in try await context.store.heldDueRuns(now: now) where run.owner != context.configuration.workerID && (runID == nil || run.id == runID) {
            if let holder = LeaseHolder(workerID: run.owner), holder.isDeadOnThisHost,
               try await context.store.breakLease(run.id, owner: run.owner) {
                context.logger.notice("run \(run.id) was held by worker \(run.owner), whose process is gone; taking it over")
                continue
            }
            stillHeld.append(run)
        }
        return stillHeld
    }

    /// Claims one run and drives it until it finishes or waits longer than the hold window.
    /// Returns nil when another worker holds the run (a holder on this machine whose process is gone is taken over).
    public func drive(runID: String) async throws -> RunState? {
        let configuration = context.configuration
        let now = context.clock.now()
        _ = try await takeOverDeadHolders(now: now, only: runID)
        guard try await context.store.claimRun(runID, worker: configuration.workerID, now: now,
                                               leaseUntil: now.addingTimeInterval(configuration.leaseDuration)) else { return nil }
        let renewal = Task { [context] in await context.leases.loop() }
        defer { renewal.cancel() }
        switch try await RunDriver(runID: runID, context: context).drive() {
        case .finished(let state), .parked(let state, _): return state
        case .leaseLost: return nil
        }
    }
}
