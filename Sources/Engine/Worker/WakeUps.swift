import Foundation

/// The store's wake-up signals, shared by a worker's successive poll waits.
final class WakeUps: Sendable {
    private let signal = WakeSignal()
    private let consumer: Task<Void, Never>?

    init(_ stream: AsyncStream<Void>?) {
        guard let stream else {
            consumer = nil
            return
        }
        let signal = self.signal
        consumer = Task { for await _ in stream { await signal.raise() } }
    }

    /// Returns at `deadline`, or as soon as a wake-up arrives (one that arrived since the last call counts).
    func next(orUntil deadline: Date, clock: any EngineClock) async {
        guard consumer != nil else {
            try? await clock.sleep(until: deadline)
            return
        }
        let signal = self.signal
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await clock.sleep(until: deadline) }
            group.addTask { await signal.wait() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Ends the watch (and closes its file descriptor).
    func stop() { consumer?.cancel() }
}

/// A wake-up signal: raising it resumes every waiter, or, with none waiting, is kept for the next wait, which then
/// returns at once; cancelling a wait resumes it.
actor WakeSignal {
    private var pending = false
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextID = 0

    func raise() {
        if waiters.isEmpty { pending = true }
        for waiter in waiters.values { waiter.resume() }
        waiters = [:]
    }

    func wait() async {
        if pending {
            pending = false
            return
        }
        let id = nextID
        nextID += 1
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled { continuation.resume() } else { waiters[id] = continuation }
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    private func cancel(_ id: Int) { waiters.removeValue(forKey: id)?.resume() }
}
