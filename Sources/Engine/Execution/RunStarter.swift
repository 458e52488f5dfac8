import Foundation
import Playbook

/// Creates runs: pins the resolved playbook and the leaver's bound inputs in the store.
public struct RunStarter: Sendable {
    public let store: any RunStore
    public let clock: any EngineClock

    public init(store: any RunStore, clock: any EngineClock = SystemClock()) {
        self.store = store
        self.clock = clock
    }

    /// Starts a run, or returns the run first started with `key`. The run is due at once; a
    /// worker (or `offboard run`) drives it.
    public func start(_ playbook: Playbook, inputs: BoundInputs, key: String?, by: String) async throws -> (id: String, created: Bool) {
        let now = clock.now()
        let run = NewRun(id: Self.newRunID(at: now), startKey: key, playbook: playbook, inputs: InputBinder.json(inputs),
                         timeZone: inputs.timeZone.identifier, createdBy: by, createdAt: now)
        return try await store.createRun(run)
    }

    /// `r-20261123-1f3a9c0e4b2d`: sortable by day, 48 random bits within it (bulk starts of many
    /// thousands a day stay clear of collisions).
    /// (By arithmetic, not a Calendar and `String(format:)`: every HR trigger makes one.)
    static func newRunID(at date: Date) -> String {
        // Whole seconds first: the text rounds to the millisecond, and 23:59:59.9996 is still that day.
        let day = DateText.iso8601(Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))).prefix(10).filter { $0 != "-" }
        let random = String(UInt64.random(in: 0...0xFFFF_FFFF_FFFF), radix: 16)
        return "r-\(day)-\(String(repeating: "0", count: 12 - random.count))\(random)"
    }
}
