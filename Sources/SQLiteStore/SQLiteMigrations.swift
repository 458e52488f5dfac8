import Engine
import Foundation
import GRDB

/// Named, append-only migrations; each runs in one transaction and is never edited once shipped.
enum SQLiteMigrations {
    /// Applies the migrations not applied yet. Several processes may open a new file at once:
    /// GRDB reads the applied list before taking the write lock, so a process can lose the race and
    /// fail on a table the winner just created. Each migration is one transaction, so the loser's
    /// attempt rolled back entirely; it reads the list again and finds nothing left to do. (A
    /// migration that rebuilds a table can even run through again and only fail on recording its
    /// name twice: SQLITE_CONSTRAINT, rolled back the same way.)
    static func migrate(_ pool: any DatabaseWriter) throws {
        // A loser can lose once per migration (each is its own transaction): the bound is time, not attempts.
        let giveUp = Date().addingTimeInterval(60)
        while true {
            do {
                return try migrator.migrate(pool)
            } catch let error as DatabaseError where Date() < giveUp {
                let completed = (try? pool.read { try migrator.hasCompletedMigrations($0) }) ?? false
                if completed { return }
                if ![.SQLITE_ERROR, .SQLITE_BUSY, .SQLITE_CONSTRAINT].contains(error.resultCode) { throw error }
            }
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: runs, journal, requests") { db in
            try db.execute(sql: """
                CREATE TABLE playbook_documents (
                    sha256 TEXT PRIMARY KEY NOT NULL CHECK (length(sha256) = 64),
                    name TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    document BLOB NOT NULL,
                    stored_at INTEGER NOT NULL
                );
                CREATE TABLE runs (
                    id TEXT PRIMARY KEY NOT NULL,
                    start_key TEXT UNIQUE,
                    playbook_sha256 TEXT NOT NULL REFERENCES playbook_documents(sha256),
                    playbook_name TEXT NOT NULL,
                    playbook_version INTEGER NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'waiting', 'succeeded', 'failed', 'cancelled')),
                    inputs TEXT NOT NULL,
                    time_zone TEXT NOT NULL,
                    created_by TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    wake_at INTEGER,
                    lease_owner TEXT,
                    lease_expires_at INTEGER,
                    journal_length INTEGER NOT NULL DEFAULT 0 CHECK (journal_length >= 0),
                    CHECK ((lease_owner IS NULL) = (lease_expires_at IS NULL))
                );
                CREATE INDEX runs_by_wake ON runs(wake_at) WHERE wake_at IS NOT NULL;
                CREATE INDEX runs_by_state ON runs(state, created_at);
                CREATE TABLE journal (
                    run_id TEXT NOT NULL REFERENCES runs(id),
                    sequence INTEGER NOT NULL CHECK (sequence >= 1),
                    at INTEGER NOT NULL,
                    type TEXT NOT NULL,
                    instance TEXT,
                    event TEXT NOT NULL,
                    PRIMARY KEY (run_id, sequence)
                ) WITHOUT ROWID;
                CREATE TRIGGER journal_is_append_only_update BEFORE UPDATE ON journal
                BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
                CREATE TRIGGER journal_is_append_only_delete BEFORE DELETE ON journal
                BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
                CREATE TABLE run_requests (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    run_id TEXT NOT NULL REFERENCES runs(id),
                    kind TEXT NOT NULL CHECK (kind IN ('cancel', 'redrive')),
                    step TEXT,
                    reason TEXT,
                    requested_by TEXT NOT NULL,
                    requested_at INTEGER NOT NULL,
                    handled_at INTEGER
                );
                CREATE INDEX run_requests_open ON run_requests(run_id) WHERE handled_at IS NULL;
                """)
        }
        migrator.registerMigration("v2: journal hash chain") { db in
            try db.execute(sql: """
                ALTER TABLE journal ADD COLUMN hash TEXT;
                ALTER TABLE runs ADD COLUMN chain_head TEXT;
                DROP TRIGGER journal_is_append_only_update;
                """)
            // Chain the entries written before this version, run by run, in order.
            let runs = try String.fetchAll(db, sql: "SELECT id FROM runs")
            for run in runs {
                var previous = JournalChain.genesis
                let rows = try Row.fetchAll(db, sql: "SELECT sequence, at, event FROM journal WHERE run_id = ? ORDER BY sequence", arguments: [run])
                for row in rows {
                    let event: String = row["event"]
                    previous = JournalChain.hash(previous: previous, runID: run, atMillis: row["at"], event: Data(event.utf8))
                    try db.execute(sql: "UPDATE journal SET hash = ? WHERE run_id = ? AND sequence = ?", arguments: [previous, run, row["sequence"]])
                }
                try db.execute(sql: "UPDATE runs SET chain_head = ? WHERE id = ?", arguments: [rows.isEmpty ? nil : previous, run])
            }
            try db.execute(sql: """
                CREATE TRIGGER journal_is_append_only_update BEFORE UPDATE ON journal
                BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
                """)
        }
        migrator.registerMigration("v3: requests from people") { db in
            // SQLite cannot widen a CHECK in place: the table is rebuilt with its rows.
            try db.execute(sql: """
                CREATE TABLE run_requests_v3 (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    run_id TEXT NOT NULL REFERENCES runs(id),
                    kind TEXT NOT NULL CHECK (kind IN ('cancel', 'redrive', 'complete', 'approve', 'reject', 'reschedule', 'reverse')),
                    step TEXT,
                    item TEXT,
                    reason TEXT,
                    fields TEXT,
                    requested_by TEXT NOT NULL,
                    requested_at INTEGER NOT NULL,
                    handled_at INTEGER,
                    refusal TEXT
                );
                INSERT INTO run_requests_v3 (id, run_id, kind, step, reason, requested_by, requested_at, handled_at)
                    SELECT id, run_id, kind, step, reason, requested_by, requested_at, handled_at FROM run_requests;
                DROP TABLE run_requests;
                ALTER TABLE run_requests_v3 RENAME TO run_requests;
                CREATE INDEX run_requests_open ON run_requests(run_id) WHERE handled_at IS NULL;
                """)
        }
        migrator.registerMigration("v4: reversed runs, purged personal data") { db in
            // A reversed run is a state of its own; the CHECK is widened by rebuilding the table
            // (GRDB runs this with foreign-key checks deferred to its end).
            try db.execute(sql: """
                CREATE TABLE runs_v4 (
                    id TEXT PRIMARY KEY NOT NULL,
                    start_key TEXT UNIQUE,
                    playbook_sha256 TEXT NOT NULL REFERENCES playbook_documents(sha256),
                    playbook_name TEXT NOT NULL,
                    playbook_version INTEGER NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'reversed')),
                    inputs TEXT NOT NULL,
                    time_zone TEXT NOT NULL,
                    created_by TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    wake_at INTEGER,
                    lease_owner TEXT,
                    lease_expires_at INTEGER,
                    journal_length INTEGER NOT NULL DEFAULT 0 CHECK (journal_length >= 0),
                    chain_head TEXT,
                    purged_at INTEGER,
                    CHECK ((lease_owner IS NULL) = (lease_expires_at IS NULL))
                );
                INSERT INTO runs_v4 (id, start_key, playbook_sha256, playbook_name, playbook_version, state, inputs, time_zone, created_by,
                                     created_at, updated_at, wake_at, lease_owner, lease_expires_at, journal_length, chain_head)
                    SELECT id, start_key, playbook_sha256, playbook_name, playbook_version, state, inputs, time_zone, created_by,
                           created_at, updated_at, wake_at, lease_owner, lease_expires_at, journal_length, chain_head FROM runs;
                DROP TABLE runs;
                ALTER TABLE runs_v4 RENAME TO runs;
                CREATE INDEX runs_by_wake ON runs(wake_at) WHERE wake_at IS NOT NULL;
                CREATE INDEX runs_by_state ON runs(state, created_at);
                """)
            // Runs in flight are due once, so the next worker replays them under this version (a task
            // parked by an earlier one is reopened with its evidence fields).
            try db.execute(sql: "UPDATE runs SET wake_at = ? WHERE state IN ('running', 'waiting') AND lease_owner IS NULL",
                           arguments: [Int64((Date().timeIntervalSince1970 * 1000).rounded())])
        }
        migrator.registerMigration("v5: reschedules confirmed into the past") { db in
            try db.execute(sql: "ALTER TABLE run_requests ADD COLUMN allow_past INTEGER NOT NULL DEFAULT 0 CHECK (allow_past IN (0, 1))")
        }
        migrator.registerMigration("v6: lease generations, attempt processes") { db in
            try db.execute(sql: """
                ALTER TABLE runs ADD COLUMN lease_generation INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE attempt_processes (
                    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    pid INTEGER NOT NULL CHECK (pid > 0),
                    instance TEXT NOT NULL,
                    attempt INTEGER NOT NULL,
                    worker TEXT NOT NULL,
                    host TEXT NOT NULL,
                    start_ticks INTEGER,
                    recorded_at INTEGER NOT NULL,
                    PRIMARY KEY (run_id, pid)
                );
                """)
        }
        migrator.registerMigration("v7: API tokens, HR events") { db in
            try db.execute(sql: """
                CREATE TABLE api_tokens (
                    name TEXT PRIMARY KEY,
                    role TEXT NOT NULL,
                    sha256 TEXT NOT NULL UNIQUE,
                    created_by TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER
                );
                CREATE TABLE hook_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    source TEXT NOT NULL,
                    delivery_id TEXT,
                    received_at INTEGER NOT NULL,
                    body BLOB NOT NULL,
                    handled_at INTEGER,
                    outcome TEXT,
                    run_id TEXT,
                    claimed_by TEXT,
                    claimed_until INTEGER,
                    UNIQUE (source, delivery_id)
                );
                CREATE INDEX hook_events_unhandled ON hook_events(id) WHERE handled_at IS NULL;
                CREATE TABLE hook_leavers (
                    source TEXT NOT NULL,
                    employee TEXT NOT NULL,
                    run_id TEXT NOT NULL,
                    effective TEXT NOT NULL,
                    PRIMARY KEY (source, employee)
                );
                """)
        }
        migrator.registerMigration("v8: console sessions") { db in
            try db.execute(sql: """
                CREATE TABLE console_sessions (
                    sha256 TEXT PRIMARY KEY,
                    person TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    roles TEXT NOT NULL,
                    token_name TEXT,
                    form_token TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL
                );
                CREATE INDEX console_sessions_expiry ON console_sessions(expires_at);
                """)
        }
        migrator.registerMigration("v9: who revoked a token") { db in
            try db.execute(sql: "ALTER TABLE api_tokens ADD COLUMN revoked_by TEXT")
        }
        // What a run list needs to find overdue runs without replaying them. A run's first missed deadline is read
        // from the journals already written; the next open deadline of a live run is written at its next commit (a
        // worker drives a run at its deadline, so until then it is not overdue).
        migrator.registerMigration("v10: deadlines on the run's row") { db in
            try db.execute(sql: """
                ALTER TABLE runs ADD COLUMN next_deadline INTEGER;
                ALTER TABLE runs ADD COLUMN deadline_missed_at INTEGER;
                UPDATE runs SET deadline_missed_at = (SELECT min(at) FROM journal WHERE journal.run_id = runs.id AND journal.type = 'deadline.missed');
                CREATE INDEX runs_by_created ON runs(created_at);
                """)
        }
        return migrator
    }
}
