import Engine
import Foundation
import Playbook

/// The tasks people are asked to do, across every waiting or running run.
public struct TaskQuery: Sendable {
    public let store: any RunStore
    let reading: RunReading

    public init(store: any RunStore, registry: HandlerRegistry) {
        self.store = store
        reading = RunReading(store: store, registry: registry)
    }

    /// What a query found: the tasks, soonest due first, and the runs that could not be read (id → why).
    public struct Listing: Sendable {
        public var tasks: [TaskReport]
        public var unreadable: [(run: String, problem: String)]
    }

    /// Every waiting or running run, oldest first, replayed once; and the runs that could not be read (id → why).
    public func activeRuns() async throws -> (runs: [ReadRun], unreadable: [(run: String, problem: String)]) {
        var runs: [ReadRun] = [], unreadable: [(run: String, problem: String)] = []
        for state in [RunState.waiting, .running] {
            for summary in try await store.listRuns(state: state, limit: Int(Int32.max)).reversed() {
                guard let stored = try await store.loadRun(summary.id) else { continue }
                do {
                    runs.append(try reading.replay(stored))
                } catch {
                    unreadable.append((summary.id, "\(error)"))
                }
            }
        }
        return (runs, unreadable)
    }

    /// Open tasks (and completed ones waiting for approvals), optionally only one assignee's or only overdue ones.
    public func open(assignee: String? = nil, overdue: Bool = false, now: Date) async throws -> Listing {
        let active = try await activeRuns()
        var listing = Listing(tasks: active.runs.flatMap { $0.openTasks(now: now) }, unreadable: active.unreadable)
        if let assignee { listing.tasks = listing.tasks.filter { $0.isFor(assignee) } }
        if overdue { listing.tasks = listing.tasks.filter(\.overdue) }
        listing.tasks.sort { ($0.due ?? .distantFuture, $0.openedAt ?? .distantPast) < ($1.due ?? .distantFuture, $1.openedAt ?? .distantPast) }
        return listing
    }
}
