import Foundation
import Playbook

/// What a step that ends access found and changed, in the handler's own words. The evidence pack reads
/// "removed" or "already absent" only from this report, never from the step merely having succeeded: a
/// SCIM user that does not exist (a typo in the email) is `alreadyAbsent`, not a removal.
public struct AccessRemoval: Sendable, Hashable, Codable {
    /// Whether anything changed.
    public enum Change: String, Sendable, Hashable, Codable {
        /// Something the leaver could use was taken away.
        case removed
        /// No such account, or the access was already gone: nothing changed.
        case alreadyAbsent = "already_absent"
    }

    public var change: Change
    /// The system, by a label that holds no secret (a host and database, an API host): never `${secret:…}`.
    public var system: String?
    /// What was taken away, one item each: "login disabled", "membership crm_writers revoked", "2 session(s) ended".
    public var removed: [String]
    /// The account's state before the step, as the handler read it ("role jryan: could log in, member of crm_writers").
    public var priorState: String?
    /// The handler's own label of the system (a host) when the step names the system itself.
    public var target: String?

    public init(_ change: Change, system: String?, removed: [String] = [], priorState: String? = nil) {
        self.change = change
        self.system = system
        self.removed = removed
        self.priorState = priorState
    }

    enum CodingKeys: String, CodingKey { case change, system, removed, target, priorState = "prior_state" }

    /// The report a command or plugin gave as the `removal` member of its JSON output, when it gave one:
    /// `{"removal": {"change": "removed" | "already_absent", "system": "…", "removed": ["…"], "prior_state": "…"}}`.
    public static func reported(in output: JSONValue) -> AccessRemoval? {
        guard case .object(let fields) = output, case .object(let report)? = fields["removal"],
              case .string(let change)? = report["change"], let kind = Change(rawValue: change) else { return nil }
        let removed: [String] = if case .array(let items)? = report["removed"] { items.compactMap { if case .string(let s) = $0 { s } else { nil } } } else { [] }
        let system: String? = if case .string(let text)? = report["system"] { text } else { nil }
        let prior: String? = if case .string(let text)? = report["prior_state"] { text } else { nil }
        return AccessRemoval(kind, system: system, removed: removed, priorState: prior)
    }

    /// "removed from crm-db:5432/crm: login disabled, 2 session(s) ended", or "nothing to remove at …: already absent".
    public var sentence: String {
        let at = system.map { " \(change == .removed ? "from" : "at") \($0)" } ?? ""
        switch change {
        case .removed: return "removed\(at)" + (removed.isEmpty ? "" : ": " + removed.joined(separator: ", "))
        case .alreadyAbsent: return "nothing to remove\(at): already absent" + (priorState.map { " (\($0))" } ?? "")
        }
    }

    /// The report with the system named by the step's own `system:` label (the handler's, a host, kept as `target`).
    public func labelled(_ label: String) -> AccessRemoval {
        var copy = self
        copy.target = system
        copy.system = label
        return copy
    }

    /// The same report with every text passed through `transform` (secret scrubbing).
    public func mapText(_ transform: (String) -> String) -> AccessRemoval {
        var copy = AccessRemoval(change, system: system.map(transform), removed: removed.map(transform), priorState: priorState.map(transform))
        copy.target = target.map(transform)
        return copy
    }
}

/// Where an access-removal step stands, as the evidence pack and `status` say it (the field `removal`).
public enum RemovalOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    /// Something changed: the handler reported access taken away.
    case removed
    /// No such account, or the access was already gone.
    case alreadyAbsent = "already_absent"
    /// Found nothing left to remove on a repeated attempt: an earlier attempt of this step (interrupted, or
    /// failed after acting, say on its check) may have removed it. Neither "removed" nor "nothing was found".
    case absentOnRetry = "absent_on_retry"
    /// Its `when` was false (the leaver has no such account on record); the reason says why.
    case skipped
    /// It failed, its retries spent (or it was rejected).
    case failed
    /// It has not run (not yet due, waiting, or cancelled).
    case notRun = "not_run"
    /// It succeeded, but its handler did not say whether anything was removed (a command or plugin that
    /// gave no `removal` report): not counted as removed.
    case unreported
}

extension InstanceRecord {
    /// The handler's removal report as people read it: the system named by the step's `system:` when it has one.
    public func removalReport(of step: Step) -> AccessRemoval? {
        removal.map { report in step.system.map(report.labelled) ?? report }
    }

    /// Where this instance stands as an access removal (meaningful for steps that end access).
    public var removalOutcome: RemovalOutcome {
        switch state {
        case .succeeded:
            guard let removal else { return .unreported }
            if removal.change == .removed { return .removed }
            return attempts > 1 ? .absentOnRetry : .alreadyAbsent
        case .skipped: return .skipped
        case .failed: return .failed
        case .pending, .scheduled, .running, .retrying, .waiting, .awaitingPerson, .awaitingApproval, .cancelled: return .notRun
        }
    }
}
