import Foundation
import GRDB
import Synchronization

/// Concurrent writes share commits. Each write runs in its own savepoint inside one transaction (so one that
/// fails is rolled back alone, and each sees the ones before it as if they had run one after another), and every
/// caller returns only once that transaction is durable: one `fdatasync` for the batch instead of one each. Under
/// load (a hundred HR webhooks at once) this keeps the commits' cost from adding up in line.
final class GroupCommit: Sendable {
    /// One write waiting for the next commit.
    private struct Job: Sendable {
        /// Runs the operation in its savepoint; returns how to answer the caller once the transaction commits.
        let run: @Sendable (Database) -> @Sendable () -> Void
        /// Answers the caller when the transaction does not commit (nothing the operation did is kept).
        let fail: @Sendable (any Error) -> Void
    }

    private struct Queue {
        var jobs: [Job] = []
        var flushing = false
    }

    private let writer: any DatabaseWriter
    private let queue = Mutex(Queue())

    init(_ writer: any DatabaseWriter) { self.writer = writer }

    /// Runs `operation` in the next shared transaction; returns its result once that transaction has committed.
    /// `committed` is called with the result first, in the order the writes were made (before any later write's).
    func write<T: Sendable>(_ operation: @escaping @Sendable (Database) throws -> T, committed: (@Sendable (T) -> Void)? = nil) async throws -> T {
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(run: { db in
                var outcome: Result<T, any Error> = .failure(CancellationError())
                do {
                    try db.inSavepoint {
                        do {
                            outcome = .success(try operation(db))
                            return .commit
                        } catch {
                            outcome = .failure(error)
                            return .rollback
                        }
                    }
                } catch {
                    if case .success = outcome { outcome = .failure(error) }
                }
                let answer = outcome
                return {
                    if let committed, case .success(let value) = answer { committed(value) }
                    continuation.resume(with: answer)
                }
            }, fail: { error in continuation.resume(throwing: error) })
            let start = queue.withLock { state -> Bool in
                state.jobs.append(job)
                if state.flushing { return false }
                state.flushing = true
                return true
            }
            if start { flush() }
        }
    }

    /// At most this many transactions in one turn of the writer's queue before it is handed back (so a write that
    /// does not go through here, a checkpoint, is not held off for as long as the load lasts).
    private static let transactionsPerTurn = 32

    /// Commits the waiting writes, batch after batch, on the writer's own queue: the next transaction begins as soon
    /// as the last one is durable and its callers are answered, with no hop back to the (busy) cooperative threads in
    /// between. Under a burst that hop cost each batch a wait behind everything else, with the writer idle.
    private func flush() {
        writer.asyncWriteWithoutTransaction { [self] db in
            for _ in 0..<Self.transactionsPerTurn {
                let jobs = queue.withLock { state -> [Job] in
                    let taken = state.jobs
                    state.jobs = []
                    if taken.isEmpty { state.flushing = false }
                    return taken
                }
                if jobs.isEmpty { return }
                var answers: [@Sendable () -> Void] = []
                do {
                    try db.inTransaction {
                        answers = try jobs.map { job in
                            // SQLite may end the transaction itself (an I/O error, a full disk): a savepoint opened
                            // then would commit on its own, so the whole batch fails instead.
                            guard db.isInsideTransaction else { throw DatabaseError(resultCode: .SQLITE_ABORT, message: "the transaction was aborted") }
                            return job.run(db)
                        }
                        return .commit
                    }
                } catch {
                    for job in jobs { job.fail(error) }
                    continue
                }
                for answer in answers { answer() }
            }
            // Still flushing: the rest waits for the writer's next turn.
            flush()
        }
    }
}
