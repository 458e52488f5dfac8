import Engine
import Playbook

/// What a person may ask of a run.
public enum RunAction: String, Sendable, Hashable, CaseIterable {
    case cancel, reschedule, retry, reverse
}

/// What a caller may do to a run: one function of the run's state and the caller's role, used by the API's route
/// table (the roles), the console (the actions it offers) and the command line (what it explains). The state rule is
/// the core's own (`RunCore.stateRefusal`, which judges every request where it is applied): a run is cancelled or
/// rescheduled while it is not finished, retried when it failed, reversed once when it finished (succeeded, failed or
/// cancelled) and no reversal has begun. A reschedule is offered only for a playbook with date inputs to move.
public enum RunActions {
    /// The roles that may ask for `action`.
    public static func roles(_ action: RunAction) -> Set<RoleKind> {
        switch action {
        case .cancel, .reschedule: [.hr, .operator]
        case .retry, .reverse: [.operator]
        }
    }

    /// The request a run action makes.
    public static func requestKind(_ action: RunAction) -> RunRequest.Kind {
        switch action {
        case .cancel: .cancel
        case .reschedule: .reschedule
        case .retry: .redrive
        case .reverse: .reverse
        }
    }

    /// The actions `role` may ask of a run standing as `core` does.
    public static func allowed(for role: RoleKind, core: RunCore) -> Set<RunAction> {
        let dates = core.playbook.inputs.contains { $0.type == .date || $0.type == .datetime }
        return Set(RunAction.allCases.filter { action in
            roles(action).contains(role) && core.stateRefusal(of: requestKind(action)) == nil && (action != .reschedule || dates)
        })
    }
}
