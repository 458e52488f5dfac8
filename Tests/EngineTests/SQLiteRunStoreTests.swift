import Engine
import Foundation
import ServiceStores
import GRDB
import Playbook
@testable import SQLiteStore
import Synchronization
import Testing

/// The embedded store on real SQLite files.
@Suite struct SQLiteRunStoreTests {
    static func temporaryDatabase() -> String {
        NSTemporaryDirectory() + "offboard-store-\(UUID().uuidString)/runs.sqlite"
    }

    static func newRun(_ id: String, key: String? = nil, at date: Date = Date()) throws -> NewRun {
        let playbook = try EngineFixtures.playbook("playbook: p\nversion: 1\nsteps:\n  - { id: a, uses: log, with: { message: m } }\n")
        return NewRun(id: id, startKey: key, playbook: playbook, inputs: .object([:]), timeZone: "UTC", createdBy: "test", createdAt: date)
    }

    @Test func commitsAreDurableWALWithSynchronousFull() throws {
        let store = try SQLiteRunStore(path: Self.temporaryDatabase())
        let (mode, synchronous) = try store.pool.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(mode == "wal")
        #expect(synchronous == 2, "2 is FULL")
        let writerSynchronous = try store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(writerSynchronous == 2)
    }

    @Test func startingTwiceWithOneKeyUnderARaceGivesOneRun() async throws {
        let path = Self.temporaryDatabase()
        let stores = try (0..<4).map { _ in try SQLiteRunStore(path: path) }
        let results = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
            for index in 0..<20 {
                let store = stores[index % stores.count]
                group.addTask { try await store.createRun(try Self.newRun("r-\(index)", key: "hr-4711")) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(results.map(\.0)).count == 1)
        #expect(results.filter(\.1).count == 1)
        #expect(try await stores[0].listRuns(state: nil, limit: 100).count == 1)
    }

    @Test func appendsAreFencedByTheLease() async throws {
        let store = try SQLiteRunStore(path: Self.temporaryDatabase())
        let now = Date()
        _ = try await store.createRun(try Self.newRun("r-1", at: now))
        #expect(try await store.claimDueRuns(worker: "w1", now: now, leaseUntil: now.addingTimeInterval(30), limit: 10) == ["r-1"])
        #expect(try await store.claimDueRuns(worker: "w2", now: now, leaseUntil: now.addingTimeInterval(30), limit: 10).isEmpty)
        let entry = JournalEntry(sequence: 1, at: now, event: .runStarted())
        var stale = JournalAppend(runID: "r-1", worker: "w2", entries: [entry], state: .running, wakeAt: now, leaseUntil: now.addingTimeInterval(30), at: now)
        #expect(try await store.append([stale]) == [.leaseLost(owner: "w1")])
        // w1's lease expires: even before anyone claims the run, w1 can no longer write (fenced by expiry).
        let later = now.addingTimeInterval(31)
        var mine = stale
        mine.worker = "w1"
        mine.at = later
        #expect(try await store.append([mine]) == [.leaseLost(owner: "w1")])
        // w2 takes over (a new lease generation); w1 still cannot write, and w2's append in the same batch goes through.
        let generation = try await store.summary(of: "r-1")?.leaseGeneration ?? 0
        #expect(try await store.claimDueRuns(worker: "w2", now: later, leaseUntil: later.addingTimeInterval(30), limit: 10) == ["r-1"])
        #expect(try await store.summary(of: "r-1")?.leaseGeneration == generation + 1)
        stale.at = later
        #expect(try await store.append([mine, stale]) == [.leaseLost(owner: "w2"), .appended])
        #expect(try await store.loadRun("r-1")?.journal.map(\.event) == [.runStarted()])
    }

    /// A request of a kind this release does not know is refused, saying so; it used to be read as a cancel.
    @Test func anUnknownRequestKindIsRefusedNeverTakenForACancel() async throws {
        let store = try SQLiteRunStore(path: Self.temporaryDatabase())
        let now = Date()
        _ = try await store.createRun(try Self.newRun("r-1", at: now))
        let id = try await store.addRequest(RunRequest(runID: "r-1", kind: .redrive, requestedBy: "newer", requestedAt: now))
        try await store.pool.write { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE run_requests SET kind = 'suspend' WHERE id = ?", arguments: [id])
        }
        #expect(try await store.pendingRequests(runID: "r-1").isEmpty)
        #expect(try await store.outcome(ofRequest: id)
                == .refused(RequestRefused("unknown request kind 'suspend' (this offboard knows cancel, redrive, complete, approve, reject, reschedule, reverse); nothing was done")))
    }

    /// A cancel made while the run's driver parks it to wait for a person (after the driver last read its requests,
    /// before its append commits) keeps the run due: the driver's "no wake" must not erase the request's wake.
    @Test func aRequestMadeAsTheDriverParksTheRunKeepsItDue() async throws {
        let store = try SQLiteRunStore(path: Self.temporaryDatabase())
        let now = Date()
        _ = try await store.createRun(try Self.newRun("r-1", at: now))
        #expect(try await store.claimDueRuns(worker: "w", now: now, leaseUntil: now.addingTimeInterval(30), limit: 10) == ["r-1"])
        #expect(try await store.pendingRequests(runID: "r-1").isEmpty, "the driver reads no requests")
        let cancel = try await store.addRequest(RunRequest(runID: "r-1", kind: .cancel, reason: "withdrawn", requestedBy: "hr", requestedAt: now))
        // The driver's append, decided before the cancel: waiting for a person, nothing to wake for, lease given back.
        _ = try await store.append([JournalAppend(runID: "r-1", worker: "w", entries: [JournalEntry(sequence: 1, at: now, event: .runStarted())],
                                                  state: .waiting, wakeAt: nil, leaseUntil: now.addingTimeInterval(30), releaseLease: true, at: now)])
        #expect(try await store.claimDueRuns(worker: "x", now: now.addingTimeInterval(0.001), leaseUntil: now.addingTimeInterval(30), limit: 10) == ["r-1"],
                "the run is due for its cancel")
        // Once the cancel is handled, the wake time is the driver's again.
        _ = try await store.append([JournalAppend(runID: "r-1", worker: "x", entries: [JournalEntry(sequence: 2, at: now, event: .cancelRequested(reason: "withdrawn", by: "hr"))],
                                                  state: .waiting, wakeAt: nil, leaseUntil: now.addingTimeInterval(30), handledRequests: [HandledRequest(id: cancel)],
                                                  releaseLease: true, at: now)])
        #expect(try await store.nextWake() == nil)
    }

    /// A run handed to the worker in this process is made leased to it: no other worker can claim it, and its
    /// first append is fenced like a claimed run's.
    @Test func aRunMadeLeasedIsItsWorkersAlone() async throws {
        let store = try SQLiteRunStore(path: Self.temporaryDatabase())
        let now = Date()
        var run = try Self.newRun("r-1", at: now)
        run.lease = (worker: "w", until: now.addingTimeInterval(30))
        #expect(try await store.createRun(run) == ("r-1", true))
        #expect(try await store.claimDueRuns(worker: "x", now: now, leaseUntil: now.addingTimeInterval(30), limit: 10).isEmpty)
        let summary = try #require(try await store.summary(of: "r-1"))
        #expect(summary.leaseOwner == "w" && summary.leaseGeneration == 1)
        let entry = [JournalEntry(sequence: 1, at: now, event: .runStarted())]
        #expect(try await store.append([JournalAppend(runID: "r-1", worker: "x", entries: entry, state: .running, wakeAt: now,
                                                      leaseUntil: now.addingTimeInterval(30), at: now)]) == [.leaseLost(owner: "w")])
        #expect(try await store.append([JournalAppend(runID: "r-1", worker: "w", entries: entry, state: .running, wakeAt: now,
                                                      leaseUntil: now.addingTimeInterval(30), at: now)]) == [.appended])
    }

    /// A finished run made due by a request its driver answers without an append (a kind this release does not
    /// know) is due never again once released, not claimed at every pass.
    @Test func aFinishedRunIsNotDueAfterItsLastRequestIsAnswered() async throws {
        let store = try SQLiteRunStore(path: Self.temporaryDatabase())
        let now = Date()
        _ = try await store.createRun(try Self.newRun("r-1", at: now))
        _ = try await store.claimDueRuns(worker: "w", now: now, leaseUntil: now.addingTimeInterval(30), limit: 10)
        _ = try await store.append([JournalAppend(runID: "r-1", worker: "w", entries: [JournalEntry(sequence: 1, at: now, event: .runStarted()),
                                                                                       JournalEntry(sequence: 2, at: now, event: .runFinished(state: .succeeded))],
                                                  state: .succeeded, wakeAt: nil, leaseUntil: now.addingTimeInterval(30), releaseLease: true, at: now)])
        let id = try await store.addRequest(RunRequest(runID: "r-1", kind: .redrive, requestedBy: "newer", requestedAt: now))
        try await store.pool.write { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE run_requests SET kind = 'suspend' WHERE id = ?", arguments: [id])
        }
        #expect(try await store.claimDueRuns(worker: "w", now: now, leaseUntil: now.addingTimeInterval(30), limit: 10) == ["r-1"])
        #expect(try await store.pendingRequests(runID: "r-1").isEmpty, "refused, as it does not know the kind")
        try await store.release("r-1", worker: "w", deferUntil: nil)
        #expect(try await store.claimDueRuns(worker: "w", now: now.addingTimeInterval(1), leaseUntil: now.addingTimeInterval(30), limit: 10).isEmpty)
    }

    /// Point reads block their thread; async reads give their connection back only once their task runs again.
    /// Many of both at once must never leave every concurrency thread waiting for a connection nobody can return
    /// (with point reads on the async reads' pool this hung every time). A hang stops Swift Testing's own time
    /// limit too, so a thread outside the concurrency pool ends the process if the reads have not finished in 60 s.
    @Test func manyPointAndAsyncReadsAtOnceAllFinish() async throws {
        final class Flag: Sendable { let value = Mutex(false) }
        let done = Flag()
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 60)
            if !done.value.withLock({ $0 }) {
                FileHandle.standardError.write(Data("manyPointAndAsyncReadsAtOnceAllFinish: the reads deadlocked\n".utf8))
                exit(1)
            }
        }
        defer { done.value.withLock { $0 = true } }
        let store = try SQLiteRunStore(path: Self.temporaryDatabase())
        let now = Date()
        for index in 0..<50 { _ = try await store.createRun(try Self.newRun("r-\(index)", at: now)) }
        let finished = try await withThrowingTaskGroup(of: Int.self) { group in
            for round in 0..<400 {
                if round % 2 == 0 {
                    group.addTask { try await store.listRuns(state: nil, limit: 50).count }
                } else {
                    group.addTask { try await store.summary(of: "r-\(round % 50)") == nil ? 0 : 1 }
                }
            }
            return try await group.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
        }
        #expect(finished == 400)
    }

    @Test func theJournalIsAppendOnlyInTheSchema() async throws {
        let store = try SQLiteRunStore(path: Self.temporaryDatabase())
        let now = Date()
        _ = try await store.createRun(try Self.newRun("r-1", at: now))
        _ = try await store.claimRun("r-1", worker: "w", now: now, leaseUntil: now.addingTimeInterval(30))
        _ = try await store.append([JournalAppend(runID: "r-1", worker: "w", entries: [JournalEntry(sequence: 1, at: now, event: .runStarted())],
                                                  state: .running, wakeAt: now, leaseUntil: now.addingTimeInterval(30), at: now)])
        #expect(throws: DatabaseError.self) { try store.pool.write { db in try db.execute(sql: "UPDATE journal SET type = 'x'") } }
        #expect(throws: DatabaseError.self) { try store.pool.write { db in try db.execute(sql: "DELETE FROM journal") } }
        // A sequence that does not follow is refused (a stale writer), without failing the rest of a batch.
        let gap = JournalAppend(runID: "r-1", worker: "w", entries: [JournalEntry(sequence: 5, at: now, event: .runFinished(state: .failed))],
                                state: .failed, wakeAt: nil, leaseUntil: now, at: now)
        #expect(try await store.append([gap]) == [.leaseLost(owner: "w")])
        #expect(try await store.loadRun("r-1")?.journal.count == 1)
    }

    @Test func onlyDueRunsAreClaimedAndFinishedRunsNever() async throws {
        let store = try SQLiteRunStore(path: Self.temporaryDatabase())
        let now = Date()
        _ = try await store.createRun(try Self.newRun("due", at: now))
        _ = try await store.createRun(try Self.newRun("later", at: now))
        _ = try await store.claimRun("later", worker: "w", now: now, leaseUntil: now.addingTimeInterval(30))
        _ = try await store.append([JournalAppend(runID: "later", worker: "w", entries: [JournalEntry(sequence: 1, at: now, event: .runStarted())],
                                                  state: .waiting, wakeAt: now.addingTimeInterval(3_600), leaseUntil: now, at: now)])
        try await store.release("later", worker: "w", deferUntil: nil)
        #expect(try await store.claimDueRuns(worker: "x", now: now, leaseUntil: now.addingTimeInterval(30), limit: 10) == ["due"])
        #expect(try await store.nextWake() == now.addingTimeInterval(3_600).roundedToMilliseconds)
        // An hour on, "later" is due and x's lease on "due" has long expired: both are taken over.
        #expect(try await store.claimDueRuns(worker: "y", now: now.addingTimeInterval(3_601), leaseUntil: now.addingTimeInterval(4_000), limit: 10) == ["due", "later"])
    }
}

extension Date {
    var roundedToMilliseconds: Date { Date(timeIntervalSince1970: (timeIntervalSince1970 * 1000).rounded() / 1000) }
}
