import Foundation
import Playbook

/// Hears what a worker journals, for progress displays and metrics.
public protocol RunObserver: Sendable {
    /// Entries just made durable for a run, and the run's state after them.
    func recorded(runID: String, entries: [JournalEntry], state: RunState)
    /// The same, with what an observer may read of the run as it stands after them; by default the call above.
    func recorded(runID: String, entries: [JournalEntry], run: ObservedRun)
}

extension RunObserver {
    public func recorded(runID: String, entries: [JournalEntry], run: ObservedRun) {
        recorded(runID: runID, entries: entries, state: run.state)
    }
}

/// What an observer may read of a run just after a commit: its state, a step's declaration and its leave time. A
/// copy of the run core (copied on write, so free until the driver changes it), read-only.
public struct ObservedRun: Sendable {
    let core: RunCore

    public var state: RunState { core.state }

    /// The step as the playbook declares it.
    public func step(_ id: String) -> Step? { core.step(id) }

    /// The leaver's leave time, as the run's inputs give it at `now`.
    public func leaveTime(now: Date) -> Date? { core.leaveTime(now: now) }
}
