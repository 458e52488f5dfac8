import Engine
import Foundation
import Playbook

/// A run started, or found started before with the same key.
public struct StartedRun: Sendable, Hashable {
    public var id: String
    /// False when the key had started this run before: nothing new was made.
    public var created: Bool
}

/// Starting runs, for every way in: `offboard start` and `offboard run`, the API, the console, bulk imports and HR
/// events. The start key of a record started once (the console's, an HR event's) and its restart after a withdrawal
/// are made here, once.
public struct RunStarting: Sendable {
    public let store: any RunStore
    public let clock: any EngineClock
    /// The worker whose loop runs in this process (a server's): a new run is handed to it when it has a free slot.
    public let worker: Worker?

    public init(store: any RunStore, clock: any EngineClock, worker: Worker? = nil) {
        self.store = store
        self.clock = clock
        self.worker = worker
    }

    /// Starts a run, or finds the run first started with `key`. A run started `for` an HR system's leaver is
    /// recorded as theirs in the same write (and, with `onlyIfUnknown`, only made when none is: `HookLeaverKnown`).
    public func start(_ playbook: Playbook, inputs: BoundInputs, key: String?, by actor: String, for leaver: HookLeaver? = nil) async throws -> StartedRun {
        let made = try await RunStarter(store: store, clock: clock).start(playbook, inputs: inputs, key: key, by: actor, for: leaver, handingTo: worker)
        return StartedRun(id: made.id, created: made.created)
    }

    /// Starts a run keyed by the leaver's record itself (`source:playbook:hash`), so the same record sent twice (a
    /// double click, a second tab) is one run; once that run was withdrawn (cancelled or reversed), the record starts
    /// a new one.
    public func startOnce(_ playbook: Playbook, inputs: BoundInputs, source: String, by actor: String) async throws -> StartedRun {
        let key = "\(source):\(playbook.name):" + SecretText.sha256(inputs.json.compactText).prefix(32)
        let started = try await start(playbook, inputs: inputs, key: key, by: actor)
        guard !started.created, let earlier = try await store.summary(of: started.id), let next = Self.key(key, after: earlier) else { return started }
        return try await start(playbook, inputs: inputs, key: next, by: actor)
    }

    /// The key a leaver's new run takes when the run `earlier` (started with `key`) was withdrawn: it names the run it
    /// follows. Nil while `earlier` stands (not cancelled or reversed).
    public static func key(_ key: String, after earlier: RunSummary) -> String? {
        earlier.state == .cancelled || earlier.state == .reversed ? Self.key(key, following: earlier.id) : nil
    }

    /// The key of a leaver's run that follows the run `runID` (withdrawn, or gone) started with `key`.
    public static func key(_ key: String, following runID: String) -> String { "\(key):after:\(runID)" }

    /// What a run of `playbook` with `inputs` would do, to whom and when (the dry run). With `liveSecrets`, handlers
    /// that can read their real targets (read-only) say what would change.
    public static func plan(_ playbook: Playbook, inputs: BoundInputs, now: Date, registry: HandlerRegistry,
                            liveSecrets: (any SecretResolver)?) async -> Plan {
        await Planner(registry: registry, liveSecrets: liveSecrets).plan(playbook, inputs: inputs, now: now)
    }
}
