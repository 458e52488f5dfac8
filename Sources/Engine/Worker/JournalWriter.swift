import Synchronization

/// Group commit: appends from many runs that arrive while a commit is on disk go together in the
/// next transaction, so one `fsync` makes many runs' events durable. A lock, not an actor: under a burst of runs,
/// a hop to an actor for each append would queue it behind everything else before it even joined a batch.
public final class JournalWriter: Sendable {
    private typealias Waiting = (append: JournalAppend, continuation: CheckedContinuation<AppendOutcome, any Error>)
    private let store: any RunStore
    private let queue = Mutex<(pending: [Waiting], flushing: Bool)>(([], false))

    public init(store: any RunStore) { self.store = store }

    /// Returns once the entries are durable (or the lease was lost, or the commit failed).
    public func append(_ append: JournalAppend) async throws -> AppendOutcome {
        try await withCheckedThrowingContinuation { continuation in
            let start = queue.withLock { queue -> Bool in
                queue.pending.append((append, continuation))
                if queue.flushing { return false }
                queue.flushing = true
                return true
            }
            if start { Task { await self.flush() } }
        }
    }

    private func flush() async {
        while true {
            let batch = queue.withLock { queue -> [Waiting] in
                defer { queue.pending = [] }
                if queue.pending.isEmpty { queue.flushing = false }
                return queue.pending
            }
            if batch.isEmpty { return }
            do {
                let outcomes = try await store.append(batch.map(\.append))
                for (entry, outcome) in zip(batch, outcomes) { entry.continuation.resume(returning: outcome) }
            } catch {
                for entry in batch { entry.continuation.resume(throwing: error) }
            }
        }
    }
}
