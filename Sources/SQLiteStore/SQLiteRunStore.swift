import Engine
import Foundation
import GRDB
import Playbook

/// The embedded `RunStore`: one SQLite file (GRDB), shared safely by several processes.
///
/// WAL mode with `synchronous = FULL`: a commit is on disk (`fdatasync`) before it returns, so a
/// power loss never drops a journal entry whose action already ran. GRDB's WAL default,
/// `NORMAL`, can lose the last commits on power loss, which would break the write-ahead rule.
public final class SQLiteRunStore: RunStore {
    let pool: any DatabaseWriter
    /// Connections of their own for `pointRead` (nil for a store opened to read only): no async read ever holds one
    /// of them across a suspension, so a point read blocking a concurrency thread waits only for other point reads,
    /// which never suspend.
    let pointReader: DatabasePool?
    /// Where every write goes: concurrent ones share a commit.
    let commits: GroupCommit
    public let path: String
    /// Opened with `init(readingOnly:)`: every write is refused by SQLite itself.
    public let isReadOnly: Bool

    /// Closes the database after folding the WAL into the file (a TRUNCATE checkpoint leaves it empty), so the file
    /// alone is then a complete copy (an auditor's `cp`). Nothing may use the store afterwards.
    public func close() {
        try? pointReader?.close()
        _ = try? pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        try? pool.close()
    }

    /// Opens (creating and migrating) the database at `path`.
    public init(path: String) throws {
        self.path = path
        isReadOnly = false
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // Purged personal data is overwritten, not left in free pages.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        pool = try Self.openPool(path: path, configuration: configuration)
        commits = GroupCommit(pool)
        // GRDB's WAL set-up puts the writer connection on synchronous = NORMAL after
        // prepareDatabase has run; the journal's promise needs FULL on the connection that writes.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try SQLiteMigrations.migrate(pool)
        var reading = Configuration()
        reading.readonly = true
        reading.busyMode = .timeout(30)
        reading.maximumReaderCount = 4
        pointReader = try Self.openPool(path: path, configuration: reading)
    }

    /// Opens the pool, waiting out other processes that open the same new file at the same moment: switching it
    /// to WAL needs the file to itself, and SQLite answers SQLITE_BUSY at once instead of waiting for the busy
    /// timeout (eight `offboard start`s racing on a fresh file hit this on a loaded machine).
    private static func openPool(path: String, configuration: Configuration) throws -> DatabasePool {
        let giveUp = Date().addingTimeInterval(30)
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && Date() < giveUp {
                usleep(UInt32.random(in: 5_000...50_000))
            }
        }
    }

    /// Why a database cannot be opened for reading only.
    public enum ReadOnlyFailure: Error, CustomStringConvertible {
        /// There is no file at the path: nothing is created.
        case missing(String)
        /// Written by an older offboard: opening it once for writing upgrades it.
        case needsUpgrade(String)

        public var description: String {
            switch self {
            case .missing(let path): return "no run database at \(path) (a command that only reads never creates one)"
            case .needsUpgrade(let path): return "\(path) was written by an older offboard; opening it once for writing upgrades it"
            }
        }
    }

    /// Opens an existing database for reading only, never creating or migrating it: what `list`, `status`,
    /// `history`, `tasks`, `evidence` and `verify` use, so they work on an auditor's copy on read-only media.
    /// A live database is read through WAL as usual; a copy whose directory cannot be written (no `-shm` can be
    /// made) is opened as immutable, which is right for a copy nobody writes.
    public init(readingOnly path: String) throws {
        self.path = path
        isReadOnly = true
        guard FileManager.default.fileExists(atPath: path) else { throw ReadOnlyFailure.missing(path) }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(30)
        let reader: any DatabaseWriter
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try pool.read { _ = try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_master") }
            reader = pool
        } catch {
            // Immutable ignores the -wal file: only for a copy without one (or an empty one), never a live database
            // whose last commits are still in its WAL (they would be silently missing from what is shown).
            let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? nil
            guard (wal ?? 0) == 0 else { throw error }
            let encoded = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "?#%"))) ?? path
            reader = try DatabaseQueue(path: "file:\(encoded)?immutable=1", configuration: configuration)
        }
        pool = reader
        // A command that only reads makes its reads one after another: its one pool serves them all.
        pointReader = nil
        commits = GroupCommit(reader)
        guard try pool.read({ try SQLiteMigrations.migrator.hasCompletedMigrations($0) }) else { throw ReadOnlyFailure.needsUpgrade(path) }
    }

    public func createRun(_ run: NewRun) async throws -> (id: String, created: Bool) {
        let made = try await commits.write { db in
            if let leaver = run.leaver, leaver.onlyIfUnknown,
               try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM hook_leavers WHERE source = ? AND employee = ?)"),
                                 arguments: [leaver.source, leaver.employee]) == true {
                throw HookLeaverKnown()
            }
            try db.cachedStatement(sql: """
                INSERT INTO playbook_documents (sha256, name, version, document, stored_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(sha256) DO NOTHING
                """).execute(arguments: [run.playbookSHA256, run.playbookName, run.playbookVersion, run.document, millis(run.createdAt)])
            try db.cachedStatement(sql: """
                INSERT INTO runs (id, start_key, playbook_sha256, playbook_name, playbook_version, state, inputs, time_zone,
                                  created_by, created_at, updated_at, wake_at, journal_length, lease_owner, lease_expires_at, lease_generation)
                VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
                ON CONFLICT(start_key) DO NOTHING
                """).execute(arguments: [run.id, run.startKey, run.playbookSHA256, run.playbookName, run.playbookVersion,
                                 String(decoding: run.inputs.canonicalData(), as: UTF8.self), run.timeZone, run.createdBy,
                                 millis(run.createdAt), millis(run.createdAt), millis(run.createdAt),
                                 run.lease?.worker, run.lease.map { millis($0.until) }, run.lease == nil ? 0 : 1])
            var made = (id: run.id, created: true)
            if db.changesCount != 1 {
                guard let key = run.startKey, let existing = try String.fetchOne(db.cachedStatement(sql: "SELECT id FROM runs WHERE start_key = ?"), arguments: [key]) else {
                    throw StoreError("run \(run.id) already exists")
                }
                made = (existing, false)
            }
            if let leaver = run.leaver { try Self.setHookLeaver(leaver, runID: made.id, in: db) }
            return made
        }
        // A leased run is driven by its worker at once: no other worker needs waking for it (nor for nothing made).
        if run.lease == nil { signalWake() }
        return made
    }

    public func append(_ batch: [JournalAppend]) async throws -> [AppendOutcome] {
        let encoder = JournalCoding.encoder()
        let rows = try batch.map { append in try append.entries.map { ($0, try encoder.encode($0.event)) } }
        return try await commits.write { db in
            var outcomes: [AppendOutcome] = []
            for (append, entries) in zip(batch, rows) {
                let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT lease_owner, lease_expires_at, journal_length, chain_head FROM runs WHERE id = ?"),
                                           arguments: [append.runID])
                guard let row else { throw StoreError("run \(append.runID) does not exist") }
                let owner: String? = row["lease_owner"]
                let expires: Int64? = row["lease_expires_at"]
                // Fenced by owner and expiry: a worker whose lease lapsed (paused, or a renewal failed) writes
                // nothing, even before another worker claims the run. Only this run's append is refused.
                guard owner == append.worker, let expires, expires >= millis(append.at) else {
                    outcomes.append(.leaseLost(owner: owner))
                    continue
                }
                let length: Int = row["journal_length"]
                if let first = entries.first?.0.sequence, first != length + 1 {
                    // A stale writer's view of the journal: refused like a lost lease, without failing the batch.
                    outcomes.append(.leaseLost(owner: owner))
                    continue
                }
                let insert = try db.cachedStatement(sql: """
                    INSERT INTO journal (run_id, sequence, at, type, instance, event, hash) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
                var head: String = row["chain_head"] ?? JournalChain.genesis
                for (entry, payload) in entries {
                    head = JournalChain.hash(previous: head, runID: append.runID, atMillis: millis(entry.at), event: payload)
                    try insert.execute(arguments: [append.runID, entry.sequence, millis(entry.at), entry.event.typeName,
                                                   entry.event.instance?.description, String(decoding: payload, as: UTF8.self), head])
                }
                if !entries.isEmpty {
                    try db.cachedStatement(sql: "UPDATE runs SET chain_head = ? WHERE id = ?").execute(arguments: [head, append.runID])
                }
                let now = entries.last.map { millis($0.0.at) } ?? millis(Date())
                for request in append.handledRequests {
                    try db.cachedStatement(sql: "UPDATE run_requests SET handled_at = ?, refusal = ? WHERE id = ?").execute(arguments: [now, request.refusal.map(Self.refusalText), request.id])
                }
                // A request made after the driver last read them (a cancel arriving as the run parks to wait for a
                // person) keeps the run due: the wake time the driver wrote would otherwise erase the one the
                // request set, and the request would wait for whatever woke the run next.
                try db.cachedStatement(sql: """
                    UPDATE runs SET state = ?1,
                        wake_at = CASE WHEN EXISTS (SELECT 1 FROM run_requests WHERE run_id = ?2 AND handled_at IS NULL) THEN ?3 ELSE ?4 END,
                        updated_at = ?3, journal_length = ?5, lease_expires_at = ?6, next_deadline = ?7,
                        deadline_missed_at = coalesce(deadline_missed_at, ?8) WHERE id = ?2
                    """).execute(arguments: [append.state.rawValue, append.runID, now, append.wakeAt.map(millis), length + entries.count,
                                     millis(append.leaseUntil), append.nextDeadline.map(millis),
                                     entries.first { $0.0.event.typeName == "deadline.missed" }.map { millis($0.0.at) }])
                if append.releaseLease {
                    try db.cachedStatement(sql: "UPDATE runs SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ?").execute(arguments: [append.runID])
                }
                outcomes.append(.appended)
            }
            return outcomes
        }
    }

    /// A short read by key on the calling thread, for the reads every trigger and every driven run makes (a run, its
    /// requests, a token, a hook's leaver). GRDB's async read hands the work to a reader's queue and back, two
    /// thread wake-ups for a read that takes microseconds from the WAL: under a burst of HR triggers this took the
    /// server from 23 to 15 context switches per trigger and from 18 threads to 7, and its CPU per trigger down by
    /// about a sixth (Benchmarks/README.md). Scans and listings stay on the async reads, which never
    /// hold up a concurrency thread for long. Point reads have connections of their own (`pointReader`): GRDB's
    /// async read gives its connection back only once its task runs again, so with both concurrency threads blocked
    /// here waiting for one of those, nothing could ever give one back.
    func pointRead<T>(_ read: (Database) throws -> T) throws -> T {
        if let pointReader { return try pointReader.read(read) }
        return try pool.read(read)
    }

    public func loadRun(_ id: String) async throws -> StoredRun? {
        try pointRead { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT runs.*, playbook_documents.document FROM runs JOIN playbook_documents ON playbook_documents.sha256 = runs.playbook_sha256
                WHERE runs.id = ?
                """), arguments: [id]) else { return nil }
            let decoder = JournalCoding.decoder()
            let journal = try Row.fetchAll(db.cachedStatement(sql: "SELECT sequence, at, event FROM journal WHERE run_id = ? ORDER BY sequence"), arguments: [id])
                .map { row in
                    JournalEntry(sequence: row["sequence"], at: dateFromMillis(row["at"]),
                                 event: try decoder.decode(RunEvent.self, from: Data((row["event"] as String).utf8)))
                }
            let inputs = try JSONDecoder().decode(JSONValue.self, from: Data((row["inputs"] as String).utf8))
            return StoredRun(summary: Self.summary(row), document: row["document"], inputs: inputs, timeZone: row["time_zone"], journal: journal)
        }
    }

    public func summary(of id: String) async throws -> RunSummary? {
        try pointRead { db in try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM runs WHERE id = ?"), arguments: [id]).map(Self.summary) }
    }

    public func runs(matching query: RunQuery) async throws -> [RunSummary] {
        var conditions: [String] = [], arguments: [(any DatabaseValueConvertible)?] = []
        if let state = query.state { conditions.append("state = ?"); arguments.append(state.rawValue) }
        if let playbook = query.playbook { conditions.append("playbook_name = ?"); arguments.append(playbook) }
        if let leaver = query.leaver {
            conditions.append("(json_extract(inputs, '$.employee_id') = ? COLLATE NOCASE OR json_extract(inputs, '$.email') = ? COLLATE NOCASE)")
            arguments += [leaver, leaver]
        }
        if let at = query.overdueAt { conditions.append("(deadline_missed_at IS NOT NULL OR next_deadline <= ?)"); arguments.append(millis(at)) }
        if let from = query.createdFrom { conditions.append("created_at >= ?"); arguments.append(millis(from)) }
        if let before = query.createdBefore { conditions.append("created_at < ?"); arguments.append(millis(before)) }
        arguments.append(max(0, min(query.limit, Int(Int32.max))))
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT * FROM runs \(filter) ORDER BY created_at DESC, id LIMIT ?"
        let statementArguments = StatementArguments(arguments)
        return try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: sql), arguments: statementArguments).map(Self.summary)
        }
    }

    @discardableResult
    public func addRequest(_ request: RunRequest) async throws -> Int64 {
        let fields = request.fields.isEmpty ? nil : String(decoding: JSONValue.object(request.fields.mapValues(JSONValue.string)).canonicalData(), as: UTF8.self)
        defer { signalWake() }
        return try await commits.write { db in
            try db.cachedStatement(sql: """
                INSERT INTO run_requests (run_id, kind, step, item, reason, fields, requested_by, requested_at, allow_past)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [request.runID, request.kind.rawValue, request.step, request.item, request.reason, fields, request.requestedBy,
                                 millis(request.requestedAt), request.allowPast])
            let id = db.lastInsertedRowID
            try db.cachedStatement(sql: "UPDATE runs SET wake_at = ? WHERE id = ?").execute(arguments: [millis(request.requestedAt), request.runID])
            return id
        }
    }

    public func outcome(ofRequest id: Int64) async throws -> RequestStatus {
        try pointRead { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT handled_at, refusal FROM run_requests WHERE id = ?"), arguments: [id]),
                  (row["handled_at"] as Int64?) != nil else { return .pending }
            if let refusal: String = row["refusal"] { return .refused(Self.refusal(from: refusal)) }
            return .applied
        }
    }

    /// Requests not yet handled. One whose kind this release does not know (written by a newer one, or by hand) is
    /// marked refused, saying so, and never read as something else: it used to be taken for a cancel. Read on
    /// every wake of a driven run, so it stays a read; only such a request costs a write.
    public func pendingRequests(runID: String) async throws -> [RunRequest] {
        let found: [(id: Int64, kind: String, request: RunRequest?)] = try pointRead { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM run_requests WHERE run_id = ? AND handled_at IS NULL ORDER BY id"), arguments: [runID]).map { row in
                let text: String = row["kind"]
                guard let kind = RunRequest.Kind(rawValue: text) else { return (row["id"], text, nil) }
                let fields = (row["fields"] as String?).flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:]
                return (row["id"], text, RunRequest(id: row["id"], runID: row["run_id"], kind: kind, step: row["step"], item: row["item"],
                                                    reason: row["reason"], fields: fields, requestedBy: row["requested_by"],
                                                    requestedAt: dateFromMillis(row["requested_at"]), allowPast: row["allow_past"]))
            }
        }
        for (id, kind, request) in found where request == nil {
            let known = RunRequest.Kind.allCases.map(\.rawValue).joined(separator: ", ")
            let refusal = Self.refusalText(RequestRefused("unknown request kind '\(kind)' (this offboard knows \(known)); nothing was done"))
            try await commits.write { db in
                try db.cachedStatement(sql: "UPDATE run_requests SET handled_at = ?, refusal = ? WHERE id = ? AND handled_at IS NULL").execute(arguments: [millis(Date()), refusal, id])
            }
        }
        return found.compactMap(\.request)
    }

    /// A refusal as the `refusal` column keeps it: its JSON, so the sender's answer is the judgement as it was made.
    static func refusalText(_ refusal: RequestRefused) -> String {
        String(decoding: (try? JSONEncoder().encode(refusal)) ?? Data(), as: UTF8.self)
    }

    /// A refusal read back; one written as plain text (before refusals were kept whole) is its one problem.
    static func refusal(from text: String) -> RequestRefused {
        (try? JSONDecoder().decode(RequestRefused.self, from: Data(text.utf8))) ?? RequestRefused(text)
    }

    public func runsToPurge(finishedBefore cutoff: Date, limit: Int) async throws -> [RunSummary] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM runs WHERE state IN \(Self.finishedStates) AND updated_at < ? AND purged_at IS NULL
                ORDER BY updated_at LIMIT ?
                """), arguments: [millis(cutoff), limit]).map(Self.summary)
        }
    }

    public func purgePersonalData(_ runID: String, keeping inputs: JSONValue, at: Date) async throws {
        let text = String(decoding: inputs.canonicalData(), as: UTF8.self)
        try await commits.write { db in
            try db.cachedStatement(sql: """
                UPDATE runs SET inputs = ?, purged_at = ? WHERE id = ? AND state IN \(Self.finishedStates)
                """).execute(arguments: [text, millis(at), runID])
            guard db.changesCount == 1 else { throw StoreError("run \(runID) is not finished; its personal data is still needed") }
            try db.cachedStatement(sql: "UPDATE run_requests SET fields = NULL, reason = NULL WHERE run_id = ? AND handled_at IS NOT NULL").execute(arguments: [runID])
        }
        // The old pages are also in the write-ahead log until a checkpoint: copy them back and empty it.
        // (A reader still open elsewhere can keep the log from being emptied; the next purge retries.)
        _ = try? await pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }

    public func nextWake() async throws -> Date? {
        try pointRead { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT min(wake_at) FROM runs WHERE wake_at IS NOT NULL AND lease_owner IS NULL")).map(dateFromMillis)
        }
    }

    /// `('succeeded', 'failed', …)`: the finished states, for SQL.
    static let finishedStates = "(" + RunState.allCases.filter(\.isFinished).map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"

    static func summary(_ row: Row) -> RunSummary {
        RunSummary(id: row["id"], playbookName: row["playbook_name"], playbookVersion: row["playbook_version"], playbookSHA256: row["playbook_sha256"],
                   state: RunState(rawValue: row["state"]) ?? .failed, startKey: row["start_key"], createdBy: row["created_by"],
                   createdAt: dateFromMillis(row["created_at"]), updatedAt: dateFromMillis(row["updated_at"]),
                   wakeAt: (row["wake_at"] as Int64?).map(dateFromMillis), leaseOwner: row["lease_owner"],
                   leaseExpiresAt: (row["lease_expires_at"] as Int64?).map(dateFromMillis), journalLength: row["journal_length"],
                   purgedAt: (row["purged_at"] as Int64?).map(dateFromMillis), leaseGeneration: row["lease_generation"] ?? 0,
                   nextDeadline: (row["next_deadline"] as Int64?).map(dateFromMillis), deadlineMissedAt: (row["deadline_missed_at"] as Int64?).map(dateFromMillis))
    }
}

/// A store failure that is not the caller's mistake to fix by retrying.
public struct StoreError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Times are stored as whole milliseconds since 1970 (sortable integers).
func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

func dateFromMillis(_ value: Int64) -> Date { Date(timeIntervalSince1970: Double(value) / 1000) }
