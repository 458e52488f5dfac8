import Engine
import Foundation
import GRDB

extension SQLiteRunStore {
    /// The journal rows as stored (in sequence order) with the run row's length and head hash.
    public func storedChain(_ runID: String) async throws -> StoredChain? {
        try await pool.read { db in
            guard let run = try Row.fetchOne(db.cachedStatement(sql: "SELECT journal_length, chain_head FROM runs WHERE id = ?"), arguments: [runID]) else {
                return nil
            }
            let records = try Row.fetchAll(db.cachedStatement(sql: "SELECT sequence, at, event, hash FROM journal WHERE run_id = ? ORDER BY sequence"),
                                           arguments: [runID]).map { row in
                JournalRecord(sequence: row["sequence"], atMillis: row["at"], event: Data((row["event"] as String).utf8), hash: row["hash"] ?? "")
            }
            return StoredChain(runID: runID, records: records, length: run["journal_length"] as Int, head: run["chain_head"])
        }
    }
}
