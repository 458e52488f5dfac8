@testable import Engine
import Foundation
import ServiceStores
import Handlers
import Playbook
import SQLiteStore
import Synchronization
import Testing

/// A run started in the process whose worker loop runs (a server's hook or start request) is made leased to that
/// worker and driven at once, up to the worker's concurrency; beyond it, a run is made unleased and waits for a slot.
@Suite struct HandoffTests {
    /// A playbook whose one step writes its run's id to DIR/started and holds until DIR/go exists.
    static func holding() throws -> ExecutorTests.Setup {
        try ExecutorTests.Setup("""
            playbook: handoff
            version: 1
            steps:
              - id: hold
                uses: command
                with:
                  argv: [/bin/sh, -c, 'echo "$OFFBOARD_RUN_ID" >> DIR/started; while [ ! -e DIR/go ]; do sleep 0.05; done']
            """)
    }

    @Test(.timeLimit(.minutes(1)))
    func runsAreHandedToTheRunningLoopUpToItsConcurrency() async throws {
        let setup = try Self.holding()
        let configuration = WorkerConfiguration(concurrency: 2, leaseDuration: 5, holdWindow: 5, requestPollInterval: 0.1, pollInterval: 0.1)
        let worker = Worker(store: setup.store, registry: BuiltInHandlers.registry(), configuration: configuration)
        #expect(worker.reserveHandoff() == nil, "no loop runs yet: nothing is handed off")
        let loop = Task { try await worker.run(untilIdle: false) }
        while worker.reserveHandoff() == nil { try await Task.sleep(nanoseconds: 10_000_000) }
        worker.cancelHandoff()

        let inputs = try InputBinder.bind(setup.playbook, record: nil, overrides: [])
        let starter = RunStarter(store: setup.store)
        var handed: [String] = []
        for index in 0..<2 {
            let started = try await starter.start(setup.playbook, inputs: inputs, key: "k\(index)", by: "test", handingTo: worker)
            let summary = try #require(try await setup.store.summary(of: started.id))
            #expect(summary.leaseOwner == configuration.workerID, "made leased to the worker")
            handed.append(started.id)
        }
        // Both slots are taken: the third is made unleased, and nobody claims it while they stay taken.
        let third = try await starter.start(setup.playbook, inputs: inputs, key: "k2", by: "test", handingTo: worker)
        #expect(try await setup.store.summary(of: third.id)?.leaseOwner == nil)
        // The same key again is the same run, and no slot stays reserved for it.
        #expect(try await starter.start(setup.playbook, inputs: inputs, key: "k0", by: "test", handingTo: worker) == (handed[0], false))
        // Well inside the 5 s lease: a run made leased and not driven would only be claimed once its lease lapsed.
        let giveUp = Date().addingTimeInterval(3)
        while setup.lines("started").count < 2 {
            try #require(Date() < giveUp, "the handed-off runs were not driven at once")
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        // (That the third is not claimed while both slots are taken is the claim scheduler's rule, shown without
        // waiting in ClaimSchedulerTests; here it shows as the third being leased once, after the others.)
        #expect(Set(setup.lines("started")) == Set(handed), "only the two handed-off runs started")

        _ = FileManager.default.createFile(atPath: "\(setup.directory)/go", contents: nil)
        for id in handed + [third.id] {
            while try await setup.store.summary(of: id)?.state != .succeeded { try await Task.sleep(nanoseconds: 20_000_000) }
        }
        loop.cancel()
        let report = try await loop.value
        #expect(report.runsDriven == 3)
        #expect(worker.reserveHandoff() == nil, "the loop has stopped: nothing is handed off")
        for id in handed + [third.id] {
            let summary = try #require(try await setup.store.summary(of: id))
            #expect(summary.leaseOwner == nil)
            #expect(summary.leaseGeneration == 1, "leased once: handed off (or, the third, claimed once), never claimed again")
        }
    }

    /// A handed-off run's drive starts as it is handed off, without a turn of the loop: under a burst of HR triggers
    /// each turn waits for the two threads behind everything else, and the last run's first step waited for a hundred
    /// of them. The last loop to stop cancels the drives still going and waits for them, and takes no more.
    @Test(.timeLimit(.minutes(1)))
    func handedOffRunsAreDrivenAtOnceAndEndWithTheLoop() async throws {
        let handoffs = Handoffs(capacity: 2)
        #expect(!handoffs.reserve(), "no loop runs: nothing is handed off")
        handoffs.loopStarted()
        let started = AsyncStream<String>.makeStream()
        for id in ["a", "b"] {
            #expect(handoffs.reserve())
            #expect(handoffs.start(id) {
                started.continuation.yield(id)
                // Driven until cancelled, as a run whose step still runs.
                while !Task.isCancelled { try? await Task.sleep(nanoseconds: 10_000_000) }
                return id == "a" ? .succeeded : nil
            })
        }
        var seen: Set<String> = []
        for await id in started.stream {
            seen.insert(id)
            if seen.count == 2 { break }
        }
        #expect(seen == ["a", "b"], "both drives started without any loop turn")
        #expect(!handoffs.reserve(), "both slots are taken while the drives go on")
        #expect(handoffs.freeSlots() == 0)

        let drives = handoffs.loopStopped()
        #expect(drives.count == 2)
        drives.forEach { $0.cancel() }
        for drive in drives { await drive.value }
        #expect(handoffs.freeSlots() == 2, "each ended drive gave its slot back")
        let report = handoffs.takeReport()
        #expect(report.runsDriven == 2)
        #expect(report.finished == ["a": .succeeded], "what the drives did is reported once they have ended")
        #expect(!handoffs.reserve(), "the loop has stopped: nothing is handed off")
        handoffs.loopStarted()
        #expect(handoffs.reserve())
        handoffs.loopStopped().forEach { $0.cancel() }
        #expect(!handoffs.start("c") { nil }, "a run made as the last loop stopped is not driven here (its lease is given back)")
        #expect(handoffs.freeSlots() == 2)
    }
}

extension HandoffTests {
    /// Hand-offs holding every slot while a due run waits (a burst beyond the concurrency): the loop neither spins on
    /// the run it cannot claim nor waits for its next poll once a slot frees, because the end of a hand-off drive
    /// wakes it, as the end of a claimed run does.
    @Test(.timeLimit(.minutes(1)))
    func aLoopWhoseSlotsHandOffsHoldWaitsQuietlyAndClaimsAsOneEnds() async throws {
        let setup = try Self.holding()
        let store = CountingStore(setup.store)
        // A poll every 30 s: only the wake-up at a hand-off's end can start the waiting run within the test's time.
        let configuration = WorkerConfiguration(concurrency: 1, leaseDuration: 5, holdWindow: 5, requestPollInterval: 0.1, pollInterval: 30)
        let worker = Worker(store: store, registry: BuiltInHandlers.registry(), configuration: configuration)
        let loop = Task { try await worker.run(untilIdle: false) }
        while worker.reserveHandoff() == nil { try await Task.sleep(nanoseconds: 10_000_000) }
        worker.cancelHandoff()

        let inputs = try InputBinder.bind(setup.playbook, record: nil, overrides: [])
        let starter = RunStarter(store: setup.store)
        let handed = try await starter.start(setup.playbook, inputs: inputs, key: "a", by: "test", handingTo: worker)
        let waiting = try await starter.start(setup.playbook, inputs: inputs, key: "b", by: "test", handingTo: worker)
        #expect(try await setup.store.summary(of: waiting.id)?.leaseOwner == nil, "no slot: made unleased, and due")
        while setup.lines("started") != [handed.id] { try await Task.sleep(nanoseconds: 20_000_000) }

        // Every slot taken: the loop neither claims nor asks for the next wake of a run it cannot claim (shown without
        // waiting in ClaimSchedulerTests.handOffsCountAgainstTheSlotsAndTheirEndIsAwaitedOnceAtATime). Here: it has
        // asked at most once, and the waiting run has not started.
        #expect(store.nextWakeCalls <= 1, "every slot is taken: the loop does not ask again and again for a run it cannot claim")
        #expect(setup.lines("started") == [handed.id])

        _ = FileManager.default.createFile(atPath: "\(setup.directory)/go", contents: nil)
        let giveUp = Date().addingTimeInterval(10)
        while try await setup.store.summary(of: waiting.id)?.state != .succeeded {
            try #require(Date() < giveUp, "the waiting run was not claimed when the hand-off's slot freed")
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        loop.cancel()
        let report = try await loop.value
        #expect(report.runsDriven == 2)
        #expect(report.finished == [handed.id: .succeeded, waiting.id: .succeeded])
    }
}

/// The SQLite store, counting the asks for the next wake.
final class CountingStore: RunStore {
    let base: SQLiteRunStore
    private let asks = Mutex(0)
    var nextWakeCalls: Int { asks.withLock { $0 } }

    init(_ base: SQLiteRunStore) { self.base = base }

    func nextWake() async throws -> Date? {
        asks.withLock { $0 += 1 }
        return try await base.nextWake()
    }

    func createRun(_ run: NewRun) async throws -> (id: String, created: Bool) { try await base.createRun(run) }
    func claimDueRuns(worker: String, now: Date, leaseUntil: Date, limit: Int) async throws -> [String] {
        try await base.claimDueRuns(worker: worker, now: now, leaseUntil: leaseUntil, limit: limit)
    }
    func claimRun(_ id: String, worker: String, now: Date, leaseUntil: Date) async throws -> Bool {
        try await base.claimRun(id, worker: worker, now: now, leaseUntil: leaseUntil)
    }
    func renewLeases(_ ids: [String], worker: String, until: Date) async throws -> Set<String> { try await base.renewLeases(ids, worker: worker, until: until) }
    func release(_ id: String, worker: String, deferUntil: Date?) async throws { try await base.release(id, worker: worker, deferUntil: deferUntil) }
    func append(_ batch: [JournalAppend]) async throws -> [AppendOutcome] { try await base.append(batch) }
    func loadRun(_ id: String) async throws -> StoredRun? { try await base.loadRun(id) }
    func summary(of id: String) async throws -> RunSummary? { try await base.summary(of: id) }
    func runs(matching query: RunQuery) async throws -> [RunSummary] { try await base.runs(matching: query) }
    func runCounts() async throws -> [RunState: Int] { try await base.runCounts() }
    func addRequest(_ request: RunRequest) async throws -> Int64 { try await base.addRequest(request) }
    func outcome(ofRequest id: Int64) async throws -> RequestStatus { try await base.outcome(ofRequest: id) }
    func pendingRequests(runID: String) async throws -> [RunRequest] { try await base.pendingRequests(runID: runID) }
    func storedChain(_ runID: String) async throws -> StoredChain? { try await base.storedChain(runID) }
    func runsToPurge(finishedBefore cutoff: Date, limit: Int) async throws -> [RunSummary] { try await base.runsToPurge(finishedBefore: cutoff, limit: limit) }
    func purgePersonalData(_ runID: String, keeping inputs: JSONValue, at: Date) async throws {
        try await base.purgePersonalData(runID, keeping: inputs, at: at)
    }
    func heldDueRuns(now: Date) async throws -> [HeldRun] { try await base.heldDueRuns(now: now) }
    func breakLease(_ id: String, owner: String) async throws -> Bool { try await base.breakLease(id, owner: owner) }
    func recordAttemptProcess(_ process: AttemptProcess) async throws { try await base.recordAttemptProcess(process) }
    func removeAttemptProcess(runID: String, pid: Int32) async throws { try await base.removeAttemptProcess(runID: runID, pid: pid) }
    func attemptProcesses(runID: String) async throws -> [AttemptProcess] { try await base.attemptProcesses(runID: runID) }
    func wakeUps() -> AsyncStream<Void>? { base.wakeUps() }
}
