import Foundation
import GRDB

extension SQLiteRunStore {
    /// Times `count` raw durable commits of one single-row INSERT each, through this store's own
    /// connection and settings (WAL, `synchronous = FULL`): the floor the executor's journal
    /// throughput is compared with. The scratch table is dropped afterwards. For benchmarks only.
    public func measureRawCommits(count: Int) async throws -> Duration {
        try await pool.write { db in
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS raw_commit_probe (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, payload TEXT NOT NULL)")
        }
        let payload = String(repeating: "x", count: 200)
        let clock = ContinuousClock()
        let started = clock.now
        for index in 0..<count {
            try await pool.write { db in
                try db.execute(sql: "INSERT INTO raw_commit_probe (at, payload) VALUES (?, ?)", arguments: [index, payload])
            }
        }
        let elapsed = clock.now - started
        try await pool.write { db in try db.execute(sql: "DROP TABLE raw_commit_probe") }
        return elapsed
    }
}
