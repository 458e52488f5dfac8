import Playbook

/// A dry run's answer: which steps would run for this leaver, in which order, when, with which
/// parameters (secrets masked), and which would be skipped and why. Nothing has been executed.
public struct Plan: Sendable, Codable {
    /// The playbook the plan is for.
    public struct PlaybookInfo: Sendable, Codable {
        public var name: String
        public var version: Int
        public var sha256: String
        public var file: String
    }

    public var playbook: PlaybookInfo
    /// The moment the plan was made for (`--now`), UTC ISO 8601.
    public var now: String
    /// The leaver's time zone.
    public var timeZone: String
    public var leaveTime: PlanTime?
    /// The bound inputs, after defaults.
    public var inputs: [String: JSONValue]
    public var steps: [PlannedStep]
    /// Names of the secrets the run would read (never their values).
    public var secrets: [String]
    /// Problems that would make the run fail (a template with no value, an empty list for a required fan-out).
    public var problems: [Diagnostic]
    public var warnings: [Diagnostic]

    enum CodingKeys: String, CodingKey {
        case playbook, now, inputs, steps, secrets, problems, warnings
        case timeZone = "time_zone", leaveTime = "leave_time"
    }

    /// The steps that would run, in order.
    public var runnableSteps: [PlannedStep] { steps.filter { $0.status == .run || $0.status == .conditional } }
}

/// A moment in a plan, in UTC and the leaver's zone, and relative to the leave time.
public struct PlanTime: Sendable, Codable, Hashable {
    public var utc: String
    public var local: String
    /// "at the leave time", "leave time + 1d", "2h before the leave time".
    public var relative: String?
    /// True when the moment is already past at plan time, so the step acts at once.
    public var immediate: Bool
}

/// One step (or one fan-out item of a step) in a plan.
public struct PlannedStep: Sendable, Codable, Hashable {
    /// Whether and how the step would run.
    public enum Status: String, Sendable, Codable, Hashable {
        /// It would run.
        case run
        /// Its `when` (or its fan-out list) depends on outputs only known while the run executes.
        case conditional
        /// Its `when` is false, or its fan-out list is empty.
        case skip
        /// It runs only when triggered: another step fails (`on_failure`) or misses its deadline (`on_deadline`).
        case onFailure = "on-failure"
        /// It would fail: a template has no value, a fan-out is not a list.
        case error
    }

    public var order: Int?
    public var id: String
    public var uses: String
    public var description: String?
    public var item: String?
    public var status: Status
    /// Why the step is skipped, conditional, on-failure only, or in error.
    public var reason: String?
    public var needs: [String]
    public var notBefore: PlanTime?
    public var deadline: PlanTime?
    public var retry: RetryPolicy?
    public var timeout: String?
    public var onFailure: String
    /// Steps that run if this one misses its deadline.
    public var onDeadline: [String] = []
    public var parameters: JSONValue?
    public var action: ActionPreview?
    /// `file:line` where the step was defined (and overridden).
    public var definedAt: String
    public var overriddenAt: [String]

    enum CodingKeys: String, CodingKey {
        case order, id, uses, description, item, status, reason, needs, deadline, retry, timeout, parameters, action
        case notBefore = "not_before", onFailure = "on_failure", onDeadline = "on_deadline", definedAt = "defined_at", overriddenAt = "overridden_at"
    }
}
