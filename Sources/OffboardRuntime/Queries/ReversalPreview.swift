import Engine
import Foundation
import Playbook

/// What reversing a run would undo, newest first, and what stays done: the dry run of `reverse`.
public struct ReversalPreview: Sendable, Encodable {
    /// One compensation that would run.
    public struct Undo: Sendable, Encodable {
        /// The step instance it undoes.
        public var undoes: String
        public var uses: String
        /// What the handler says it would do, when it can say.
        public var summary: String?
        /// Why it cannot be prepared, when it cannot.
        public var problem: String?
    }

    public var run: String
    public var playbook: String
    public var playbookVersion: Int
    public var state: RunState
    public var undo: [Undo]
    /// Steps that succeeded without declaring `compensate:`: a reversal leaves them done.
    public var staysDone: [String]

    enum CodingKeys: String, CodingKey {
        case run, playbook, state, undo
        case playbookVersion = "playbook_version", staysDone = "stays_done"
    }

    /// Previews the reversal of `stored`, asking each compensation's handler what it would do (nothing is contacted
    /// beyond what the handler's plan does).
    public static func make(_ stored: StoredRun, registry: HandlerRegistry, now: Date) async throws -> ReversalPreview {
        let core = try RunCore.replaying(stored, playbook: try PinnedPlaybooks(catalog: registry).playbook(for: stored))
        var undo: [Undo] = []
        for compensation in core.plannedCompensations(at: now) {
            var item = Undo(undoes: compensation.undoes.description, uses: compensation.uses, problem: compensation.problem)
            if compensation.problem == nil, let handler = registry.handler(for: compensation.uses) {
                let request = HandlerPlanRequest(stepID: compensation.stepID, item: compensation.undoes.item,
                                                 parameters: compensation.parameters, now: now)
                item.summary = try? await handler.plan(request).summary
            }
            undo.append(item)
        }
        return ReversalPreview(run: stored.summary.id, playbook: stored.summary.playbookName, playbookVersion: stored.summary.playbookVersion,
                               state: stored.summary.state, undo: undo, staysDone: core.reversalCandidates().permanent)
    }
}
