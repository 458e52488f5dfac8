import Foundation

/// Where the executor reads the time and waits; injected so timers, leave dates and deadlines are
/// tested without sleeping.
public protocol EngineClock: Sendable {
    func now() -> Date
    /// Returns at `deadline`, or earlier when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// The machine's clock.
public struct SystemClock: EngineClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        if seconds > 0 { try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000)) }
    }
}

/// A clock tests set by hand; `sleep` returns as soon as the clock is advanced past the deadline
/// or the sleeping task is cancelled.
public final class ManualClock: EngineClock, @unchecked Sendable {
    // Safe to share: every access to `current`, `sleepers` and `nextTicket` holds `lock`.
    private let lock = NSLock()
    private var current: Date
    private var nextTicket = 0
    private var sleepers: [Int: (deadline: Date, continuation: CheckedContinuation<Void, Never>)] = [:]

    public init(_ start: Date) { current = start }

    public func now() -> Date { lock.withLock { current } }

    /// Moves the clock and wakes every sleeper whose deadline has come.
    public func advance(to date: Date) {
        let due: [CheckedContinuation<Void, Never>] = lock.withLock {
            current = max(current, date)
            let ready = sleepers.filter { $0.value.deadline <= current }
            ready.keys.forEach { sleepers[$0] = nil }
            return ready.values.map(\.continuation)
        }
        due.forEach { $0.resume() }
    }

    public func advance(by seconds: TimeInterval) { advance(to: now().addingTimeInterval(seconds)) }

    public func sleep(until deadline: Date) async throws {
        let ticket: Int = lock.withLock {
            nextTicket += 1
            return nextTicket
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow: Bool = lock.withLock {
                    if deadline <= current || Task.isCancelled { return true }
                    sleepers[ticket] = (deadline, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            lock.withLock { sleepers.removeValue(forKey: ticket) }?.continuation.resume()
        }
        try Task.checkCancellation()
    }
}

/// The machine's clock moved to start at a given instant, then running at real speed: how a
/// command line is told "it is the leave date now" (`OFFBOARD_NOW`) in tests and rehearsals.
public struct ShiftedClock: EngineClock {
    private let offset: TimeInterval

    public init(startingAt start: Date) { offset = start.timeIntervalSinceNow }

    public func now() -> Date { Date().addingTimeInterval(offset) }

    public func sleep(until deadline: Date) async throws {
        try await SystemClock().sleep(until: deadline.addingTimeInterval(-offset))
    }
}
