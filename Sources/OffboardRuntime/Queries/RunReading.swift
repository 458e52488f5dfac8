import Engine
import Foundation
import Playbook

/// A run as the front ends read it: as stored, with the playbook it was started from, replayed once. Each question a
/// page, a route or a command asks of it (its report, its open tasks, its journal as a role may see it, what a role
/// may ask of it) is answered here, from the one replay.
public struct ReadRun: Sendable {
    public let stored: StoredRun
    public let playbook: Playbook
    let core: RunCore
    let reading: RunReading

    public var state: RunState { core.state }

    /// Steps, outputs and timings, as `offboard status` and `GET /v1/runs/{id}` show them.
    public func report() throws -> RunReport { try reading.report(stored, playbook: playbook) }

    /// The run's evidence pack as of `now`.
    public func evidence(now: Date) async throws -> EvidencePack { try await reading.evidence(stored, playbook: playbook, now: now) }

    /// Tasks waiting for a person (or for approvals) in this run.
    public func openTasks(now: Date) -> [TaskReport] { TaskReport.open(in: core, journal: stored.journal, now: now) }

    /// The journal with the leaver's personal values shown (`revealing`), or as stored, with a token where each was.
    public func journal(revealing: Bool) -> [JournalEntry] { RunReading.journal(stored, playbook: playbook, revealing: revealing) }

    /// What a caller holding `roles` may ask of the run now (the union over the roles).
    public func actions(for roles: some Sequence<RoleKind>) -> Set<RunAction> {
        roles.reduce(into: Set<RunAction>()) { $0.formUnion(RunActions.allowed(for: $1, core: core)) }
    }
}

/// Reads runs from a store: a run's status report and evidence pack (from its journal, without replaying it), and the
/// run replayed against its pinned playbook. The command line, the API and the console read runs only through this.
public struct RunReading: Sendable {
    public let store: any RunStore
    let registry: HandlerRegistry
    let playbooks: PinnedPlaybooks

    public init(store: any RunStore, registry: HandlerRegistry) {
        self.store = store
        self.registry = registry
        playbooks = PinnedPlaybooks(catalog: registry)
    }

    /// Whether a step's handler ends access (for a step that does not say so itself).
    public func removesAccess(_ uses: String) -> Bool { registry.handler(for: uses)?.removesAccess ?? false }

    /// Steps, outputs and timings, as `offboard status` and `GET /v1/runs/{id}` show them. `playbook`: the run's pinned
    /// playbook, when the caller has read it already (it is read from the run otherwise).
    public func report(_ stored: StoredRun, playbook: Playbook? = nil) throws -> RunReport {
        try RunReport.make(stored, playbook: try playbook ?? self.playbook(for: stored), removesAccess: removesAccess)
    }

    /// The run's evidence pack as of `now`, from its journal and its stored chain (`playbook` as for `report`).
    public func evidence(_ stored: StoredRun, playbook: Playbook? = nil, now: Date) async throws -> EvidencePack {
        try EvidencePack.build(stored, playbook: try playbook ?? self.playbook(for: stored), chain: try await store.storedChain(stored.summary.id),
                               removesAccess: removesAccess, now: now)
    }

    /// The playbook a stored run was started from (as stored with it, whatever the files say now).
    public func playbook(for stored: StoredRun) throws -> Playbook { try playbooks.playbook(for: stored) }

    /// A stored run's journal, with the leaver's personal values shown (`revealing`) or as stored; no replay.
    public static func journal(_ stored: StoredRun, playbook: Playbook, revealing: Bool) -> [JournalEntry] {
        revealing ? RunCore.revealedJournal(stored, playbook: playbook) : stored.journal
    }

    /// The run replayed; throws when its playbook or journal cannot be read.
    public func replay(_ stored: StoredRun) throws -> ReadRun {
        let playbook = try playbooks.playbook(for: stored)
        return ReadRun(stored: stored, playbook: playbook, core: try RunCore.replaying(stored, playbook: playbook), reading: self)
    }
}

/// Whether two names are one person's, as the core compares assignees and approvers (ignoring case and spacing).
public func isSamePerson(_ a: String, _ b: String) -> Bool { RunCore.samePerson(a, b) }
