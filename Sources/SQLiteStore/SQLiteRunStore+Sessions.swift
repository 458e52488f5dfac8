import Engine
import Foundation
import ServiceStores
import GRDB

/// Console sessions, in the same file as the runs: hashes of their secrets only.
extension SQLiteRunStore: ConsoleSessionStore {
    public func createSession(_ session: ConsoleSession, sha256: String) async throws {
        let roles = String(decoding: try JSONEncoder().encode(session.roles), as: UTF8.self)
        try await commits.write { db in
            try db.cachedStatement(sql: """
                INSERT INTO console_sessions (sha256, person, subject, roles, token_name, form_token, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [sha256, session.person, session.subject, roles, session.tokenName, session.formToken,
                                 millis(session.createdAt), millis(session.expiresAt)])
        }
    }

    public func session(sha256: String, now: Date) async throws -> ConsoleSession? {
        try pointRead { db in
            // A session made with a token lasts only as long as the token does.
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT s.* FROM console_sessions s
                WHERE s.sha256 = ? AND s.expires_at > ?
                  AND (s.token_name IS NULL OR EXISTS (SELECT 1 FROM api_tokens t WHERE t.name = s.token_name AND t.revoked_at IS NULL))
                """), arguments: [sha256, millis(now)]) else { return nil }
            let roles = (try? JSONDecoder().decode([String].self, from: Data((row["roles"] as String).utf8))) ?? []
            return ConsoleSession(person: row["person"], subject: row["subject"], roles: roles, tokenName: row["token_name"], formToken: row["form_token"],
                                  createdAt: dateFromMillis(row["created_at"]), expiresAt: dateFromMillis(row["expires_at"]))
        }
    }

    public func endSession(sha256: String) async throws {
        try await commits.write { db in try db.cachedStatement(sql: "DELETE FROM console_sessions WHERE sha256 = ?").execute(arguments: [sha256]) }
    }

    public func purgeSessions(before: Date) async throws -> Int {
        try await commits.write { db in
            try db.cachedStatement(sql: "DELETE FROM console_sessions WHERE expires_at < ?").execute(arguments: [millis(before)])
            return db.changesCount
        }
    }
}
