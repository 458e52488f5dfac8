import Engine
import Foundation
import Playbook

/// The filters of a run list as a person or a system writes them (`offboard list --overdue --since 2026-12-01`,
/// `GET /v1/runs?overdue=true&since=…`, the console's list), read into one `RunQuery` by one rule.
public struct RunFilters: Sendable, Hashable {
    /// The most runs one list returns, and how many when nobody says.
    public static let limits = 1...1000
    public static let defaultLimit = 100

    public var state: String?
    public var playbook: String?
    /// An employee id or email.
    public var leaver: String?
    public var overdue: Bool
    /// Created at or after: a date-time with a UTC offset, or a date (from the start of that day, UTC).
    public var since: String?
    /// Created before: a date-time with a UTC offset, or a date (to the end of that day, UTC).
    public var until: String?
    public var limit: Int?

    public init(state: String? = nil, playbook: String? = nil, leaver: String? = nil, overdue: Bool = false, since: String? = nil,
                until: String? = nil, limit: Int? = nil) {
        self.state = state
        self.playbook = playbook
        self.leaver = leaver
        self.overdue = overdue
        self.since = since
        self.until = until
        self.limit = limit
    }

    /// The query, with `overdue` meaning overdue at `now`; or the first filter that cannot be read (never echoing it).
    public func query(now: Date) -> Result<RunQuery, InputRefusal> {
        var query = RunQuery(playbook: Self.given(playbook), leaver: Self.given(leaver), overdueAt: overdue ? now : nil,
                             limit: limit ?? Self.defaultLimit)
        // A state must be one of the states even when blank (`?state=` is no state): the console's "any" sends none.
        if let text = state {
            guard let parsed = RunState(rawValue: text) else {
                return .failure(InputRefusal(.unexpected, field: "state", expected: "one of \(RunState.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            query.state = parsed
        }
        guard Self.limits.contains(query.limit) else {
            return .failure(InputRefusal(.unexpected, field: "limit", expected: "a whole number from \(Self.limits.lowerBound) to \(Self.limits.upperBound)"))
        }
        do {
            query.createdFrom = try Self.instant(since, field: "since", endOfDay: false)
            query.createdBefore = try Self.instant(until, field: "until", endOfDay: true)
        } catch {
            return .failure(error)
        }
        return .success(query)
    }

    /// A date-time with an offset as written, or a date's first instant in UTC (its last, exclusive, for `until`).
    static func instant(_ text: String?, field: String, endOfDay: Bool) throws(InputRefusal) -> Date? {
        guard let text = given(text) else { return nil }
        if case .success(let date) = DateTimeGrammar.date(text) {
            return date.adding(days: endOfDay ? 1 : 0).startOfDay(in: .gmt)
        }
        switch DateText.resolveDateTime(text, timeZone: nil) {
        case .success(let resolved): return resolved.date
        case .failure:
            throw InputRefusal(.unexpected, field: field, expected: "a date such as 2026-12-01 (UTC) or a date-time with a UTC offset such as 2026-12-01T09:00:00Z")
        }
    }

    /// Nil for an absent or blank text filter (playbook, leaver, dates): a blank box in a form filters nothing. A blank
    /// state is not read this way: it is no state.
    static func given(_ text: String?) -> String? {
        guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        return text
    }
}
