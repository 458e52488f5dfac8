/// What became of an action, said on the page it returns to. Carried in the address as a code, never as text, so a
/// link from elsewhere cannot make a page say something happened.
enum ConsoleNotice: String {
    case started, existing, applied, pending
    case taskDone = "task-done", taskAwaitsApproval = "task-awaits-approval", taskFailed = "task-failed"
    case approvedDone = "approved-done", approvedMore = "approved-more", rejected, taskPending = "task-pending"

    var text: String {
        switch self {
        case .started: "Started."
        case .existing: "This leaver was already started with these details: this is that run; nothing new was started."
        case .applied: "Done: the state below is the run's now."
        case .pending: "Sent to the worker holding the run, which applies it when it next looks (within seconds); the history shows when it has."
        case .taskDone: "Recorded: the task is done."
        case .taskAwaitsApproval: "Recorded: the task now waits for its approval."
        case .taskFailed: "Recorded, but the evidence is not what the task expects, so its step failed; the run page says why."
        case .approvedDone: "Approved: the task has all its approvals and is done."
        case .approvedMore: "Approved: the task waits for more approvals."
        case .rejected: "Rejected: the task's step failed, as the rejection says."
        case .taskPending: "Sent to the worker holding the run, which applies it when it next looks (within seconds); the run's history shows when it has."
        }
    }

    /// `?done=CODE`, for a redirect.
    var query: String { "done=" + rawValue }

    /// The notice a page was sent with, if any.
    static func values(_ code: String?) -> [String: Any] {
        guard let code, let notice = ConsoleNotice(rawValue: String(code)) else { return [:] }
        return ["notice": notice.text]
    }
}
