import Foundation
import Synchronization

/// Runs made in this process for a worker whose loop is running here (a server's HR hook or start request): the run
/// is created already leased to the worker, and the loop drives it at once, with no wake-up through the store and
/// no claim of its own (a commit less before the first step starts). A slot is reserved before the run is made, so
/// the loop never drives more than its concurrency; without a free slot or a running loop the run is made as usual
/// and claimed like any other.
final class Handoffs: Sendable {
    private struct State {
        /// Claim loops running.
        var loops = 0
        /// Runs the loops claimed and drive (every loop's).
        var claimed = 0
        /// Slots reserved or handed off and still driven.
        var active = 0
        /// Handed-off runs no loop has taken yet.
        var ready: [String] = []
        var waiters: [Int: CheckedContinuation<[String], Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func loopStarted() { state.withLock { $0.loops += 1 } }

    /// The loop is stopping: runs handed to it and not taken are returned (their leases are to be given back).
    func loopStopped() -> [String] {
        state.withLock { state in
            state.loops -= 1
            guard state.loops == 0 else { return [] }
            let left = state.ready
            state.ready = []
            state.active -= left.count
            return left
        }
    }

    /// Slots neither claimed runs nor hand-offs hold: what a claim may fill.
    func freeSlots() -> Int { state.withLock { capacity - $0.claimed - $0.active } }

    func claimedChanged(by delta: Int) { state.withLock { $0.claimed += delta } }

    /// A run's slot is free again: its drive ended, or a reserved or handed-off run will not be driven here.
    func slotFreed(handedOff: Bool) { state.withLock { if handedOff { $0.active -= 1 } else { $0.claimed -= 1 } } }

    /// Reserves a slot for a run about to be made; false when no loop runs or every slot is taken.
    func reserve() -> Bool {
        state.withLock { state in
            guard state.loops > 0, state.claimed + state.active < capacity else { return false }
            state.active += 1
            return true
        }
    }

    /// The reserved run is made, leased to this worker: a loop takes it. False when every loop stopped meanwhile
    /// (the slot is given back; the caller gives back the run's lease).
    func deliver(_ runID: String) -> Bool {
        let (taken, waiter): (Bool, CheckedContinuation<[String], Never>?) = state.withLock { state in
            guard state.loops > 0 else {
                state.active -= 1
                return (false, nil)
            }
            if let first = state.waiters.first {
                state.waiters[first.key] = nil
                return (true, first.value)
            }
            state.ready.append(runID)
            return (true, nil)
        }
        waiter?.resume(returning: [runID])
        return taken
    }

    /// The handed-off runs no loop has taken yet, all of them at once (so a burst of hand-offs costs the loop one turn,
    /// not one each), waiting for one when there is none; empty once the waiting task is cancelled.
    func next() async -> [String] {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[String], Never>) in
                let ready: [String]? = state.withLock { state in
                    if !state.ready.isEmpty {
                        defer { state.ready = [] }
                        return state.ready
                    }
                    if Task.isCancelled { return [] }
                    state.waiters[id] = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: [])
        }
    }
}
