import Foundation

/// Hears what a worker journals, for progress displays and metrics.
public protocol RunObserver: Sendable {
    /// Entries just made durable for a run, and the run's state after them.
    func recorded(runID: String, entries: [JournalEntry], state: RunState)
    /// The same, with the run as it stands after them (its steps, inputs and leave time); by default the call above.
    func recorded(runID: String, entries: [JournalEntry], core: RunCore)
}

extension RunObserver {
    public func recorded(runID: String, entries: [JournalEntry], core: RunCore) {
        recorded(runID: runID, entries: entries, state: core.state)
    }
}
