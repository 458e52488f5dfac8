/// What a step instance is. Decided where the instance is made (its step's expansion, a missed deadline, a
/// reversal) and kept on its record, so nothing reads it back from the spelling of an id.
public enum InstanceKind: Sendable, Hashable {
    /// A step's only instance.
    case step
    /// One item of a `for_each` step.
    case fanOutItem
    /// An `on_deadline` step, run for one missed deadline.
    case escalation
    /// A reversal's undoing (the `compensate:`) of an instance of a step that succeeded.
    case compensation(undoing: String)

    public var isCompensation: Bool {
        if case .compensation = self { return true }
        return false
    }
}

/// A compensation's step id as the journal spells it: `undo:ID` (`:` never appears in a playbook step id). Written
/// and read here only; journals already kept use this spelling, so it never changes.
enum CompensationID {
    static let prefix = "undo:"

    static func of(_ step: String) -> String { prefix + step }
}
