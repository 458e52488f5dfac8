import Foundation
import Synchronization

/// Runs made in this process for a worker whose loop is running here (a server's HR hook or start request): the run
/// is created already leased to the worker and driven at once, with no wake-up through the store, no claim of its
/// own (a commit less before the first step starts) and no turn of the loop (its drive starts as it is handed off).
/// A slot is reserved before the run is made, so the worker never drives more than its concurrency; without a free
/// slot or a running loop the run is made as usual and claimed like any other.
final class Handoffs: Sendable {
    private struct State {
        var slots: SlotBook
        /// The drives of handed-off runs still going, each by a number.
        var drives: [Int: Task<Void, Never>] = [:]
        var lastDrive = 0
        /// What the handed-off drives did, for the report of the loop that stops last.
        var report = Worker.Report()
    }

    private let state: Mutex<State>
    /// Raised when a hand-off drive ends: a loop waiting on it looks whether the freed slot is wanted.
    private let ends = WakeSignal()

    init(capacity: Int) { state = Mutex(State(slots: SlotBook(capacity: capacity))) }

    func loopStarted() { state.withLock { $0.slots.loopStarted() } }

    /// A loop is stopping. When it is the last, no run is handed off any more, and the drives of handed-off runs still
    /// going are returned (to be cancelled and waited for, as the loop's own are).
    func loopStopped() -> [Task<Void, Never>] {
        state.withLock { state in state.slots.loopStopped() ? Array(state.drives.values) : [] }
    }

    /// What the handed-off drives did since this was last asked (for the report of the loop that stops last).
    func takeReport() -> Worker.Report {
        state.withLock { state in
            defer { state.report = Worker.Report() }
            return state.report
        }
    }

    /// Slots neither claimed runs nor hand-offs hold: what a claim may fill.
    func freeSlots() -> Int { state.withLock { $0.slots.free } }

    /// Slots hand-offs hold (reserved, or driven).
    func handedOffSlots() -> Int { state.withLock { $0.slots.handedOff } }

    func claimedChanged(by delta: Int) { state.withLock { $0.slots.claimedChanged(by: delta) } }

    /// A reserved run will not be driven here: its slot is free again.
    func reservationCancelled() { state.withLock { $0.slots.handOffEnded() } }

    /// Reserves a slot for a run about to be made; false when no loop runs or every slot is taken.
    func reserve() -> Bool { state.withLock { $0.slots.reserve() } }

    /// The reserved run is made, leased to this worker: `drive` starts driving it now, in a task of its own (it
    /// returns the state the run finished in, if it did). False when every loop stopped meanwhile (the slot is
    /// given back; the caller gives back the run's lease).
    func start(_ runID: String, drive: @escaping @Sendable () async -> RunState?) -> Bool {
        state.withLock { state in
            guard state.slots.startReserved() else { return false }
            state.lastDrive += 1
            state.report.runsDriven += 1
            let number = state.lastDrive
            // Detached: the drive belongs to the worker, not to the request or event that made the run.
            state.drives[number] = Task.detached {
                let finished = await drive()
                await self.ended(number, runID, finished: finished)
            }
            return true
        }
    }

    private func ended(_ number: Int, _ runID: String, finished: RunState?) async {
        state.withLock { state in
            state.slots.handOffEnded()
            state.drives[number] = nil
            if let finished { state.report.finished[runID] = finished }
        }
        await ends.raise()
    }

    /// Returns once a hand-off drive has ended since the last call (at once if one has), or when the waiting task
    /// is cancelled: the loop then looks whether a freed slot is wanted, as when a run it claimed ends.
    func nextEnd() async { await ends.wait() }
}
