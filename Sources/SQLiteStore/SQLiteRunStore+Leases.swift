import Engine
import Foundation
import GRDB

/// Leases, their fencing and take-over, the processes attempts leave behind, and wake-up signals.
extension SQLiteRunStore {
    public func claimDueRuns(worker: String, now: Date, leaseUntil: Date, limit: Int) async throws -> [String] {
        try await commits.write { db in
            try String.fetchAll(db.cachedStatement(sql: """
                UPDATE runs SET lease_owner = ?, lease_expires_at = ?, lease_generation = lease_generation + 1
                WHERE id IN (SELECT id FROM runs
                             WHERE wake_at IS NOT NULL AND wake_at <= ? AND (lease_owner IS NULL OR lease_expires_at < ?)
                             ORDER BY wake_at LIMIT ?)
                RETURNING id
                """), arguments: [worker, millis(leaseUntil), millis(now), millis(now), limit])
        }
    }

    public func claimRun(_ id: String, worker: String, now: Date, leaseUntil: Date) async throws -> Bool {
        try await commits.write { db in
            try db.cachedStatement(sql: """
                UPDATE runs SET lease_owner = ?, lease_expires_at = ?, lease_generation = lease_generation + 1
                WHERE id = ? AND wake_at IS NOT NULL AND (lease_owner IS NULL OR lease_owner = ? OR lease_expires_at < ?)
                """).execute(arguments: [worker, millis(leaseUntil), id, worker, millis(now)])
            return db.changesCount == 1
        }
    }

    public func renewLeases(_ ids: [String], worker: String, until: Date) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return try await commits.write { db in
            var held: Set<String> = []
            for id in ids {
                try db.cachedStatement(sql: "UPDATE runs SET lease_expires_at = ? WHERE id = ? AND lease_owner = ?").execute(arguments: [millis(until), id, worker])
                if db.changesCount == 1 { held.insert(id) }
            }
            return held
        }
    }

    public func release(_ id: String, worker: String, deferUntil: Date?) async throws {
        try await commits.write { db in
            try db.cachedStatement(sql: "UPDATE runs SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ?").execute(arguments: [id, worker])
            guard db.changesCount == 1 else { return }
            if let deferUntil {
                try db.cachedStatement(sql: "UPDATE runs SET wake_at = ? WHERE id = ? AND wake_at IS NOT NULL").execute(arguments: [millis(deferUntil), id])
            }
            // A finished run is due only to answer a request (refused then): with none left, it is due never again,
            // not claimed at every pass (a request of a kind this release does not know is answered without an append).
            try db.cachedStatement(sql: """
                UPDATE runs SET wake_at = NULL WHERE id = ?1 AND state IN \(Self.finishedStates)
                AND NOT EXISTS (SELECT 1 FROM run_requests WHERE run_id = ?1 AND handled_at IS NULL)
                """).execute(arguments: [id])
        }
    }

    public func heldDueRuns(now: Date) async throws -> [HeldRun] {
        try pointRead { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT id, lease_owner, lease_expires_at FROM runs
                WHERE wake_at IS NOT NULL AND wake_at <= ? AND lease_owner IS NOT NULL AND lease_expires_at >= ?
                ORDER BY lease_expires_at
                """), arguments: [millis(now), millis(now)]).map { row in
                HeldRun(id: row["id"], owner: row["lease_owner"], expiresAt: dateFromMillis(row["lease_expires_at"]))
            }
        }
    }

    public func breakLease(_ id: String, owner: String) async throws -> Bool {
        try await commits.write { db in
            try db.cachedStatement(sql: "UPDATE runs SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ?").execute(arguments: [id, owner])
            return db.changesCount == 1
        }
    }

    public func recordAttemptProcess(_ process: AttemptProcess) async throws {
        try await commits.write { db in
            try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO attempt_processes (run_id, pid, instance, attempt, worker, host, start_ticks, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [process.runID, process.pid, process.instance, process.attempt, process.worker, process.host,
                                 process.startTicks.map { Int64(bitPattern: $0) }, millis(Date())])
        }
    }

    public func removeAttemptProcess(runID: String, pid: Int32) async throws {
        try await commits.write { db in
            try db.cachedStatement(sql: "DELETE FROM attempt_processes WHERE run_id = ? AND pid = ?").execute(arguments: [runID, pid])
        }
    }

    public func attemptProcesses(runID: String) async throws -> [AttemptProcess] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM attempt_processes WHERE run_id = ? ORDER BY recorded_at"), arguments: [runID]).map { row in
                AttemptProcess(runID: row["run_id"], instance: row["instance"], attempt: row["attempt"], worker: row["worker"], host: row["host"],
                               pid: row["pid"], startTicks: (row["start_ticks"] as Int64?).map { UInt64(bitPattern: $0) })
            }
        }
    }

    /// The file beside the database that starts and requests touch, and idle workers watch (inotify).
    var wakeFile: String { path + ".wake" }

    public func wakeUps() -> AsyncStream<Void>? { WakeWatcher.watch(wakeFile) }

    /// Touches the wake file: every worker watching it looks for due runs at once.
    func signalWake() { WakeWatcher.touch(wakeFile) }
}
