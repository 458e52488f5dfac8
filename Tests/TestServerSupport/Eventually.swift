import Foundation

/// True once `condition` holds (asked every `every` seconds), or whether it holds after `seconds`: how a test waits for
/// what a server or worker does in its own time (an event acted on, a run's state, a metric counted) without a fixed
/// sleep. A condition that starts a process each time it is asked keeps the default pace.
public func eventually(within seconds: TimeInterval = 30, every pause: TimeInterval = 0.05, _ condition: () async throws -> Bool) async throws -> Bool {
    let giveUp = Date().addingTimeInterval(seconds)
    while Date() < giveUp {
        if try await condition() { return true }
        try await Task.sleep(nanoseconds: UInt64(pause * 1_000_000_000))
    }
    return try await condition()
}
