import Foundation
import Playbook

/// A run's status for people and machines: its state and every step's, rebuilt by replaying the journal.
public struct RunReport: Sendable, Codable {
    /// One step instance (or a step not reached yet).
    public struct StepReport: Sendable, Codable, Hashable {
        public var id: String
        /// The fan-out item, or null.
        public var item: String?
        public var state: String
        public var attempts: Int
        public var interruptions: Int
        public var reason: String?
        public var error: String?
        public var output: JSONValue?
        /// The handler's independent check that the effect holds (`{holds, detail}`), when it made one.
        public var verification: VerificationResult?
        /// For a task: who is asked, and what.
        public var assignee: String?
        public var title: String?
        /// When the step must be done by, and whether that deadline was missed.
        public var due: Date?
        public var overdue = false
        /// For a step that ends access: `removed`, `already_absent`, `skipped`, `failed`, `not_run` or `unreported`.
        public var removal: RemovalOutcome?
        /// What its handler reported it found and changed.
        public var removalReport: AccessRemoval?

        enum CodingKeys: String, CodingKey {
            case id, item, state, attempts, interruptions, reason, error, output, verification, assignee, title, due, overdue, removal
            case removalReport = "removal_report"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(item, forKey: .item)
            try container.encode(state, forKey: .state)
            try container.encode(attempts, forKey: .attempts)
            try container.encode(interruptions, forKey: .interruptions)
            try container.encodeIfPresent(reason, forKey: .reason)
            try container.encodeIfPresent(error, forKey: .error)
            try container.encodeIfPresent(output, forKey: .output)
            try container.encodeIfPresent(verification, forKey: .verification)
            try container.encodeIfPresent(assignee, forKey: .assignee)
            try container.encodeIfPresent(title, forKey: .title)
            try container.encodeIfPresent(due.map { DateText.iso8601($0) }, forKey: .due)
            if due != nil { try container.encode(overdue, forKey: .overdue) }
            try container.encodeIfPresent(removal, forKey: .removal)
            try container.encodeIfPresent(removalReport, forKey: .removalReport)
        }
    }

    /// The pinned playbook.
    public struct PlaybookReference: Sendable, Codable, Hashable {
        public var name: String
        public var version: Int
        public var sha256: String
    }

    public var id: String
    public var state: RunState
    public var playbook: PlaybookReference
    public var createdBy: String
    public var createdAt: String
    public var updatedAt: String
    public var wakeAt: String?
    public var leaseOwner: String?
    public var steps: [StepReport]

    enum CodingKeys: String, CodingKey {
        case id, state, playbook, steps
        case createdBy = "created_by", createdAt = "created_at", updatedAt = "updated_at", wakeAt = "wake_at", leaseOwner = "lease_owner"
    }

    /// Replays the run's journal against its pinned playbook. `removesAccess` says whether a handler type
    /// ends access (a step's own `removes_access` wins); such steps carry `removal`.
    public static func make(_ run: StoredRun, playbook: Playbook, removesAccess: (String) -> Bool = { _ in false }) throws -> RunReport {
        let timeZone = TimeZone(identifier: run.timeZone) ?? .gmt
        var core = RunCore(runID: run.summary.id, playbook: playbook, inputs: [:], timeZone: timeZone)
        for entry in RunCore.revealedJournal(run, playbook: playbook) { try core.apply(entry.event) }
        var steps: [RunReport.StepReport] = []
        let fallbacks = playbook.fallbackStepIDs
        for step in playbook.steps {
            let records = core.orderedInstances.filter { $0.key.step == step.id }
            let removes = step.removesAccess ?? removesAccess(step.uses)
            if records.isEmpty {
                let state = fallbacks.contains(step.id) ? "not-triggered" : (run.summary.state.isFinished ? "not-started" : "pending")
                steps.append(StepReport(id: step.id, item: nil, state: state, attempts: 0, interruptions: 0, removal: removes ? .notRun : nil))
                continue
            }
            for record in records {
                var report = StepReport(record)
                if removes || record.removal != nil {
                    report.removal = record.removalOutcome
                    report.removalReport = record.removalReport(of: step)
                }
                steps.append(report)
            }
        }
        // A reversal's compensations follow, in the order they run.
        for step in core.reversal?.steps ?? [] {
            for record in core.orderedInstances where record.kind == .compensation(undoing: step) {
                steps.append(StepReport(record))
            }
        }
        let summary = run.summary
        return RunReport(id: summary.id, state: summary.state,
                         playbook: PlaybookReference(name: summary.playbookName, version: summary.playbookVersion, sha256: summary.playbookSHA256),
                         createdBy: summary.createdBy, createdAt: DateText.iso8601(summary.createdAt), updatedAt: DateText.iso8601(summary.updatedAt),
                         wakeAt: summary.wakeAt.flatMap { $0 >= .distantFuture ? nil : DateText.iso8601($0) }, leaseOwner: summary.leaseOwner, steps: steps)
    }
}

extension RunReport.StepReport {
    /// One instance's report from its record.
    init(_ record: InstanceRecord) {
        self.init(id: record.key.step, item: record.key.item, state: record.state.name, attempts: record.attempts,
                  interruptions: record.interruptions, reason: record.reason, error: record.lastError, output: record.output,
                  verification: record.verification, assignee: record.task?.assignee, title: record.task?.title, due: record.deadline,
                  overdue: record.missedDeadline)
    }
}
