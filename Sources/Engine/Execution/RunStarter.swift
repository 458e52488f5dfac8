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
    static func newRunID(at date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let day = String(format: "%04d%02d%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        return "r-\(day)-\(String(format: "%012llx", UInt64.random(in: 0...0xFFFF_FFFF_FFFF)))"
    }
}
