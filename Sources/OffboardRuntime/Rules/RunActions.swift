import Engine
import Playbook

/// What a person may ask of a run.
public enum RunAction: String, Sendable, Hashable, CaseIterable {
    case cancel, reschedule, retry, reverse
}

/// What a caller may do to a run: one function of the run's state and the caller's role, used by the API's route
/// table (the roles), the console (the actions it offers) and the command line (what it explains). The state rules
/// are the core's own: a run is cancelled or rescheduled while it is not finished, retried when it failed, reversed
/// once when it finished (succeeded, failed or cancelled) and no reversal has begun.
public enum RunActions {
    /// The roles that may ask for `action`.
    public static func roles(_ action: RunAction) -> Set<RoleKind> {
        switch action {
        case .cancel, .reschedule: [.hr, .operator]
        case .retry, .reverse: [.operator]
        }
    }

    /// Whether the run's state lets anyone ask for `action` now.
    public static func stateAllows(_ action: RunAction, state: RunState, reversalBegun: Bool, hasDateInputs: Bool) -> Bool {
        switch action {
        case .cancel: !state.isFinished
        case .reschedule: !state.isFinished && hasDateInputs
        case .retry: state == .failed
        case .reverse: state.isFinished && state != .reversed && !reversalBegun
        }
    }

    /// The actions `role` may ask of a run standing as `core` does.
    public static func allowed(for role: RoleKind, core: RunCore) -> Set<RunAction> {
        let dates = core.playbook.inputs.contains { $0.type == .date || $0.type == .datetime }
        return Set(RunAction.allCases.filter {
            roles($0).contains(role) && stateAllows($0, state: core.state, reversalBegun: core.reversal != nil, hasDateInputs: dates)
        })
    }
}
