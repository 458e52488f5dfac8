import Engine
import Foundation
import ServiceStores
import GRDB

/// API tokens (hashes only) and HR events, in the same file as the runs.
extension SQLiteRunStore: APITokenStore, HookEventStore {
    public func runCounts() async throws -> [RunState: Int] {
        try await pool.read { db in
            var counts: [RunState: Int] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT state, count(*) AS n FROM runs GROUP BY state")) {
                if let state = RunState(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    public func createToken(_ token: APIToken, sha256: String) async throws -> Bool {
        try await commits.write { db in
            try db.cachedStatement(sql: """
                INSERT INTO api_tokens (name, role, sha256, created_by, created_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """).execute(arguments: [token.name, token.role, sha256, token.createdBy, millis(token.createdAt)])
            return db.changesCount == 1
        }
    }

    public func token(sha256: String) async throws -> APIToken? {
        try pointRead { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM api_tokens WHERE sha256 = ? AND revoked_at IS NULL"), arguments: [sha256]).map(Self.token)
        }
    }

    public func listTokens() async throws -> [APIToken] {
        try await pool.read { db in try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM api_tokens ORDER BY created_at, name")).map(Self.token) }
    }

    public func revokeToken(named name: String, at: Date, by actor: String) async throws -> Bool {
        try await commits.write { db in
            try db.cachedStatement(sql: "UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE name = ? AND revoked_at IS NULL")
                .execute(arguments: [millis(at), actor, name])
            return db.changesCount == 1
        }
    }

    private static func token(_ row: Row) -> APIToken {
        APIToken(name: row["name"], role: row["role"], createdBy: row["created_by"], createdAt: dateFromMillis(row["created_at"]),
                 revokedAt: (row["revoked_at"] as Int64?).map(dateFromMillis), revokedBy: row["revoked_by"])
    }

    public func recordHookEvent(_ event: HookEvent, claim: HookClaim?) async throws -> Int64? {
        let claimedUntil: Int64? = claim.map { millis($0.until) }
        let insert: @Sendable (Database) throws -> Int64? = { db in
            try db.cachedStatement(sql: """
                INSERT INTO hook_events (source, delivery_id, received_at, body, claimed_by, claimed_until) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """).execute(arguments: [event.source, event.deliveryID, millis(event.receivedAt), event.body, claim?.owner, claimedUntil])
            return db.changesCount == 1 ? db.lastInsertedRowID : nil
        }
        var committed: (@Sendable (Int64?) -> Void)?
        if let claim {
            committed = { id in if let id { claim.recorded(id, event) } }
        }
        return try await commits.write(insert, committed: committed)
    }

    public func hookEventClaimants(now: Date) async throws -> [String] {
        try pointRead { db in
            try String.fetchAll(db.cachedStatement(sql: """
                SELECT DISTINCT claimed_by FROM hook_events WHERE handled_at IS NULL AND claimed_by IS NOT NULL AND claimed_until >= ?
                """), arguments: [millis(now)])
        }
    }

    public func releaseHookEventClaims(of owner: String) async throws -> Int {
        try await commits.write { db in
            try db.cachedStatement(sql: "UPDATE hook_events SET claimed_until = NULL WHERE claimed_by = ? AND handled_at IS NULL").execute(arguments: [owner])
            return db.changesCount
        }
    }

    public func claimHookEvents(owner: String, now: Date, until: Date, limit: Int) async throws -> [(id: Int64, event: HookEvent)] {
        try await commits.write { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                UPDATE hook_events SET claimed_by = ?, claimed_until = ?
                WHERE id IN (SELECT id FROM hook_events WHERE handled_at IS NULL AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY id LIMIT ?)
                RETURNING id, source, delivery_id, received_at, body
                """), arguments: [owner, millis(until), millis(now), limit]).map { row in
                (row["id"], HookEvent(source: row["source"], deliveryID: row["delivery_id"], receivedAt: dateFromMillis(row["received_at"]), body: row["body"]))
            }.sorted { $0.0 < $1.0 }
        }
    }

    public func finishHookEvent(_ id: Int64, outcome: String, runID: String?, at: Date) async throws {
        try await commits.write { db in
            try db.cachedStatement(sql: "UPDATE hook_events SET handled_at = ?, outcome = ?, run_id = ?, body = X'', claimed_until = NULL WHERE id = ?").execute(arguments: [millis(at), outcome, runID, id])
        }
    }

    public func retryHookEvent(_ id: Int64, at retryAt: Date) async throws {
        try await commits.write { db in
            try db.cachedStatement(sql: "UPDATE hook_events SET claimed_until = ? WHERE id = ? AND handled_at IS NULL").execute(arguments: [millis(retryAt), id])
        }
    }

    public func hookEventStatus(_ id: Int64) async throws -> HookEventStatus? {
        try pointRead { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, source, received_at, outcome, run_id FROM hook_events WHERE id = ?"), arguments: [id]).map(Self.hookEventStatus)
        }
    }

    public func hookEventStatus(source: String, deliveryID: String) async throws -> HookEventStatus? {
        try pointRead { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, source, received_at, outcome, run_id FROM hook_events WHERE source = ? AND delivery_id = ?"),
                             arguments: [source, deliveryID]).map(Self.hookEventStatus)
        }
    }

    private static func hookEventStatus(_ row: Row) -> HookEventStatus {
        HookEventStatus(id: row["id"], source: row["source"], receivedAt: dateFromMillis(row["received_at"]), outcome: row["outcome"], runID: row["run_id"])
    }

    public func hookLeaver(source: String, employee: String) async throws -> (runID: String, effective: String)? {
        try pointRead { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT run_id, effective FROM hook_leavers WHERE source = ? AND employee = ?"), arguments: [source, employee])
                .map { ($0["run_id"], $0["effective"]) }
        }
    }

    public func setHookLeaver(source: String, employee: String, runID: String, effective: String) async throws {
        try await commits.write { db in try Self.setHookLeaver(HookLeaver(source: source, employee: employee, effective: effective), runID: runID, in: db) }
    }

    static func setHookLeaver(_ leaver: HookLeaver, runID: String, in db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO hook_leavers (source, employee, run_id, effective) VALUES (?, ?, ?, ?)
            ON CONFLICT (source, employee) DO UPDATE SET run_id = excluded.run_id, effective = excluded.effective
            """).execute(arguments: [leaver.source, leaver.employee, runID, leaver.effective])
    }
}
