/// Hears what a worker journals, for progress displays.
public protocol RunObserver: Sendable {
    /// Entries just made durable for a run, and the run's state after them.
    func recorded(runID: String, entries: [JournalEntry], state: RunState)
}
