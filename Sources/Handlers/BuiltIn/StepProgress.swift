/// What a step that changes several things had done when a later change failed, for its failure to say: a retry or a
/// person reading the journal then knows what already happened.
enum StepProgress {
    /// " (after: account disabled; membership of … removed)", or " (nothing was changed)".
    static func after(_ done: [String]) -> String { done.isEmpty ? " (nothing was changed)" : " (after: " + done.joined(separator: "; ") + ")" }
}
