/// Group commit: appends from many runs that arrive while a commit is on disk go together in the
/// next transaction, so one `fsync` makes many runs' events durable.
public actor JournalWriter {
    private let store: any RunStore
    private var pending: [(append: JournalAppend, continuation: CheckedContinuation<AppendOutcome, any Error>)] = []
    private var flushing = false

    public init(store: any RunStore) { self.store = store }

    /// Returns once the entries are durable (or the lease was lost, or the commit failed).
    public func append(_ append: JournalAppend) async throws -> AppendOutcome {
        try await withCheckedThrowingContinuation { continuation in
            pending.append((append, continuation))
            if !flushing {
                flushing = true
                Task { await self.flush() }
            }
        }
    }

    private func flush() async {
        while !pending.isEmpty {
            let batch = pending
            pending = []
            do {
                let outcomes = try await store.append(batch.map(\.append))
                for (entry, outcome) in zip(batch, outcomes) { entry.continuation.resume(returning: outcome) }
            } catch {
                for entry in batch { entry.continuation.resume(throwing: error) }
            }
        }
        flushing = false
    }
}
