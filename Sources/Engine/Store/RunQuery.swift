import Foundation

/// Which runs a list shows. One query serves `offboard list`, the API's run list and the console's: every filter is
/// answered by the store from its runs' rows, never by replaying a journal.
public struct RunQuery: Sendable, Hashable {
    /// Only runs in this state.
    public var state: RunState?
    /// Only runs of the playbook with this name.
    public var playbook: String?
    /// Only runs whose `employee_id` or `email` input is this (ignoring the case of ASCII letters). A run whose
    /// personal data was purged no longer matches.
    public var leaver: String?
    /// Only runs overdue at this instant: a step's deadline was missed (its journal says so), or a step still open has
    /// a deadline at or before it (missed, but no worker has recorded it yet).
    public var overdueAt: Date?
    /// Only runs created at or after this instant.
    public var createdFrom: Date?
    /// Only runs created before this instant.
    public var createdBefore: Date?
    /// The most runs to return, newest first.
    public var limit: Int

    public init(state: RunState? = nil, playbook: String? = nil, leaver: String? = nil, overdueAt: Date? = nil,
                createdFrom: Date? = nil, createdBefore: Date? = nil, limit: Int = 100) {
        self.state = state
        self.playbook = playbook
        self.leaver = leaver
        self.overdueAt = overdueAt
        self.createdFrom = createdFrom
        self.createdBefore = createdBefore
        self.limit = limit
    }
}
