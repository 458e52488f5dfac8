import Engine
import Foundation
import Playbook

/// The tasks people are asked to do, across every waiting or running run.
public struct TaskQuery: Sendable {
    public let store: any RunStore
    public let playbooks: PinnedPlaybooks

    public init(store: any RunStore, registry: HandlerRegistry) {
        self.store = store
        playbooks = PinnedPlaybooks(catalog: registry)
    }

    /// What a query found: the tasks, soonest due first, and the runs that could not be read (id → why).
    public struct Listing: Sendable {
        public var tasks: [TaskReport]
        public var unreadable: [(run: String, problem: String)]
    }

    /// Open tasks (and completed ones waiting for approvals), optionally only one assignee's or only overdue ones.
    public func open(assignee: String? = nil, overdue: Bool = false, now: Date) async throws -> Listing {
        var listing = Listing(tasks: [], unreadable: [])
        for state in [RunState.waiting, .running] {
            for summary in try await store.listRuns(state: state, limit: Int(Int32.max)).reversed() {
                guard let stored = try await store.loadRun(summary.id) else { continue }
                do {
                    let core = try RunCore.replaying(stored, playbook: try await playbooks.playbook(for: stored))
                    listing.tasks += TaskReport.open(in: core, journal: stored.journal, now: now)
                } catch {
                    listing.unreadable.append((summary.id, "\(error)"))
                }
            }
        }
        if let assignee { listing.tasks = listing.tasks.filter { $0.isFor(assignee) } }
        if overdue { listing.tasks = listing.tasks.filter(\.overdue) }
        listing.tasks.sort { ($0.due ?? .distantFuture, $0.openedAt ?? .distantPast) < ($1.due ?? .distantFuture, $1.openedAt ?? .distantPast) }
        return listing
    }
}
