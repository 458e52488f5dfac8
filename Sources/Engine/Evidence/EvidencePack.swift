import Foundation
import Playbook

/// What a run did, for an auditor or a data-protection regulator: who lost which access when
/// (against the leave time), what people confirmed with which evidence, which deadlines were met
/// or missed, what each handler verified, and the journal's chain head so the pack can be checked
/// against the store. Built from the journal only; it keeps the leaver's personal inputs out.
public struct EvidencePack: Sendable, Codable, Hashable {
    /// Version 2 added `summary`, each access removal's `removal` and `removal_report`, deadlines against the
    /// leave time, task findings, escalations by target, and local times. docs/evidence-format.md has every field.
    public static let formatName = "offboard-evidence/2"

    public var format = EvidencePack.formatName
    public var generatedAt: Date
    public var run: RunFacts
    public var playbook: RunReport.PlaybookReference
    public var leaver: Leaver
    public var leaveTime: LeaveTime?
    public var summary: Summary
    public var steps: [StepEvidence]
    public var deadlinesMissed: [MissedDeadline]
    public var chain: ChainFacts

    enum CodingKeys: String, CodingKey {
        case format, run, playbook, leaver, steps, chain, summary
        case generatedAt = "generated_at", leaveTime = "leave_time", deadlinesMissed = "deadlines_missed"
    }

    /// The run itself: who triggered it and when, and how it ended.
    public struct RunFacts: Sendable, Codable, Hashable {
        public var id: String
        public var state: RunState
        public var triggeredBy: String
        public var triggeredAt: Date
        public var finishedAt: Date?
        public var cancelled: Cancellation?
        /// Set when the run was reversed (a rehire, a withdrawn resignation).
        public var reversal: ReversalFacts?

        enum CodingKeys: String, CodingKey {
            case id, state, cancelled, reversal
            case triggeredBy = "triggered_by", triggeredAt = "triggered_at", finishedAt = "finished_at"
        }
    }

    /// A cancellation: who and why.
    public struct Cancellation: Sendable, Codable, Hashable {
        public var by: String
        public var reason: String
        public var at: Date
    }

    /// A reversal: who asked, why, when, and the steps undone, newest first.
    public struct ReversalFacts: Sendable, Codable, Hashable {
        public var by: String
        public var reason: String
        public var at: Date
        public var steps: [String]
    }

    /// The leaver, minimally: inputs not declared personal, and the names of those withheld.
    public struct Leaver: Sendable, Codable, Hashable {
        public var fields: [String: JSONValue]
        public var withheld: [String]
        public var timeZone: String

        enum CodingKeys: String, CodingKey { case fields, withheld, timeZone = "time_zone" }
    }

    /// The leave time every access removal is measured against, and each time it moved.
    public struct LeaveTime: Sendable, Codable, Hashable {
        public var at: Date
        /// The same instant in the leaver's zone, with its offset (`2026-12-04T17:30:00+01:00`).
        public var local: String
        public var changes: [Reschedule]
    }

    /// One reschedule of the run's time inputs.
    public struct Reschedule: Sendable, Codable, Hashable {
        public var at: Date
        public var by: String
        public var reason: String
        public var changes: [String: String]
    }

    /// One step instance's record.
    public struct StepEvidence: Sendable, Codable, Hashable {
        public var id: String
        public var item: String?
        public var description: String?
        public var handler: String
        public var state: String
        public var removesAccess: Bool
        public var readyAt: Date?
        public var startedAt: Date?
        public var finishedAt: Date?
        public var attempts: Int
        /// Seconds from the leave time to when access was removed (negative: before it).
        public var secondsAfterLeaveTime: Double?
        public var deadline: DeadlineFacts?
        public var verification: VerificationResult?
        /// For a step that removes access: where it stands (`removed`, `already_absent`, `skipped`, `failed`,
        /// `not_run`, `unreported`), apart from its deadline's outcome.
        public var removal: RemovalOutcome?
        /// What its handler reported it found and changed, the system named without secrets.
        public var removalReport: AccessRemoval?
        /// The system it acts on, by a label with no secret: the step's `system:`, else its handler's.
        public var system: String?
        public var task: TaskFacts?
        public var error: String?
        public var reason: String?

        enum CodingKeys: String, CodingKey {
            case id, item, description, handler, state, attempts, deadline, verification, task, error, reason, removal, system
            case removalReport = "removal_report"
            case removesAccess = "removes_access", readyAt = "ready_at", startedAt = "started_at", finishedAt = "finished_at"
            case secondsAfterLeaveTime = "seconds_after_leave_time"
        }
    }

    /// A step's deadline and whether it was met.
    public struct DeadlineFacts: Sendable, Codable, Hashable {
        public var due: Date
        /// `met`, `missed`, `not-met` (the step failed or was cancelled before it was due), or `open`
        /// (not done yet, not yet due).
        public var outcome: String
        /// Seconds from the leave time to the deadline (how long after leaving the access had to be gone).
        public var secondsAfterLeaveTime: Double?

        enum CodingKeys: String, CodingKey { case due, outcome, secondsAfterLeaveTime = "seconds_after_leave_time" }
    }

    /// What a person did on a task.
    public struct TaskFacts: Sendable, Codable, Hashable {
        public var assignee: String
        public var title: String
        public var completedBy: String?
        public var completedAt: Date?
        public var evidence: [String: JSONValue]
        public var approvals: [Approval]
        public var approvalsRequired: Int
        public var rejection: TaskRejection?
        /// Open findings the evidence records (`condition missing`): not a plain success.
        public var findings: [String]
        /// Whether the task can record a finding at all (an evidence field declares `findings:`).
        var declaresFindings = false

        enum CodingKeys: String, CodingKey {
            case assignee, title, evidence, approvals, rejection, findings
            case completedBy = "completed_by", completedAt = "completed_at", approvalsRequired = "approvals_required"
        }
    }

    /// One approval and when it was given.
    public struct Approval: Sendable, Codable, Hashable {
        public var by: String
        public var at: Date
    }

    /// A deadline that passed before its step was done, and the escalations it set off.
    public struct MissedDeadline: Sendable, Codable, Hashable {
        public var step: String
        public var item: String?
        public var due: Date
        public var recordedAt: Date
        public var escalations: [Escalation]

        enum CodingKeys: String, CodingKey { case step, item, due, escalations, recordedAt = "recorded_at" }
    }

    /// One escalation a missed deadline set off: where it went (a label, no secret) and what came back.
    public struct Escalation: Sendable, Codable, Hashable {
        public var step: String
        /// The step's `system:`, or the host an `http` escalation reached.
        public var target: String?
        public var state: String
        /// The HTTP status the target answered, for an `http` escalation that ran.
        public var httpStatus: Int?
        /// The escalation's instance, for building the pack (not written out).
        var key: InstanceKey?

        enum CodingKeys: String, CodingKey { case step, target, state, httpStatus = "http_status" }
    }

    /// The journal's hash chain as checked when the pack was made.
    public struct ChainFacts: Sendable, Codable, Hashable {
        public var entries: Int
        public var head: String?
        public var intact: Bool
        public var problem: String?
        /// What the chain does not cover, when something (a journal older than recorded start facts).
        public var note: String?
        public var howToCheck: String

        enum CodingKeys: String, CodingKey { case entries, head, intact, problem, note, howToCheck = "how_to_check" }
    }
}
