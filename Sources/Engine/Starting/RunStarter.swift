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
    /// worker (or `offboard run`) drives it. Given the `worker` whose loop runs in this process (a server's), a new
    /// run is handed to that worker when it has a free slot: leased to it as it is made, it is driven at once. A run
    /// started `for` an HR system's leaver is recorded as theirs in the same write (see `RunStore.createRun`).
    public func start(_ playbook: Playbook, inputs: BoundInputs, key: String?, by: String, for leaver: HookLeaver? = nil,
                      handingTo worker: Worker? = nil) async throws -> (id: String, created: Bool) {
        let now = clock.now()
        var run = NewRun(id: Self.newRunID(at: now), startKey: key, playbook: playbook, inputs: InputBinder.json(inputs),
                         timeZone: inputs.timeZone.identifier, createdBy: by, createdAt: now)
        run.leaver = leaver
        guard let worker, let lease = worker.reserveHandoff() else { return try await store.createRun(run) }
        run.lease = lease
        let made: (id: String, created: Bool)
        do {
            made = try await store.createRun(run)
        } catch {
            worker.cancelHandoff()
            throw error
        }
        if made.created { await worker.handOff(made.id, run: StoredRun(justCreated: run)) } else { worker.cancelHandoff() }
        return made
    }

    /// `r-20261123-1f3a9c0e4b2d`: sortable by day, 48 random bits within it (bulk starts of many
    /// thousands a day stay clear of collisions).
    /// (By arithmetic, not a Calendar, a date formatter or `String(format:)`: every HR trigger makes one.)
    static func newRunID(at date: Date) -> String {
        // The UTC day of the whole second (23:59:59.9996 is still that day), as a civil date.
        let (year, month, day) = DateTimeGrammar.civilFromDays(Int((date.timeIntervalSince1970 / 86_400).rounded(.down)))
        func padded(_ text: String, _ width: Int) -> String { String(repeating: "0", count: max(0, width - text.count)) + text }
        let random = String(UInt64.random(in: 0...0xFFFF_FFFF_FFFF), radix: 16)
        return "r-\(padded(String(year), 4))\(padded(String(month), 2))\(padded(String(day), 2))-\(padded(random, 12))"
    }
}
