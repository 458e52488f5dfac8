import Foundation
import Playbook

/// Wording shared by the Markdown and HTML forms of an evidence pack.
public enum EvidenceWording {
    /// `4m 12s after the leave time`, `2h before the leave time`, `at the leave time`.
    public static func relative(_ seconds: Double) -> String {
        if abs(seconds) < 1 { return "at the leave time" }
        return "\(duration(abs(seconds))) \(seconds > 0 ? "after" : "before") the leave time"
    }

    /// `1d 2h 5m`, `4m 12s`, through Foundation's duration format style.
    public static func duration(_ seconds: Double) -> String {
        Duration.seconds(Int64(seconds.rounded()))
            .formatted(.units(allowed: [.days, .hours, .minutes, .seconds], width: .narrow, maximumUnitCount: 3))
    }

    static func time(_ date: Date?) -> String {
        guard let date else { return "—" }
        return DateText.iso8601(date)
    }

    static func state(_ step: EvidencePack.StepEvidence) -> String {
        var text = step.state
        if let deadline = step.deadline, deadline.outcome == "missed" { text += " (deadline missed)" }
        return text
    }

    static func value(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .null: return "—"
        case .bool, .int, .number, .array, .object: return String(decoding: value.canonicalData(), as: UTF8.self)
        }
    }

    /// When access ended relative to the leave time, or why it did not.
    static func access(_ step: EvidencePack.StepEvidence) -> String {
        switch step.removal ?? .notRun {
        case .removed, .alreadyAbsent, .absentOnRetry, .unreported:
            return step.secondsAfterLeaveTime.map(relative) ?? "done (no leave time)"
        case .skipped: return "not applicable (\(step.reason ?? "skipped"))"
        case .failed: return "NOT removed: failed"
        case .notRun: return "NOT removed (\(step.state))"
        }
    }

    /// `removed: login disabled, 2 open session(s) ended`, `already absent: no role jryan`, `FAILED`.
    static func outcome(_ step: EvidencePack.StepEvidence) -> String {
        let report = step.removalReport
        switch step.removal ?? .notRun {
        case .removed: return "removed" + ((report?.removed.isEmpty ?? true) ? "" : ": " + (report?.removed ?? []).joined(separator: ", "))
        case .alreadyAbsent: return "already absent (nothing removed)" + (report?.priorState.map { ": \($0)" } ?? "")
        case .absentOnRetry:
            return "absent on attempt \(step.attempts): an earlier attempt may have removed it" + (report?.priorState.map { " (\($0))" } ?? "")
        case .skipped: return "skipped: \(step.reason ?? "its condition was false")"
        case .failed: return "FAILED" + (step.error.map { ": \($0)" } ?? "")
        case .notRun: return "not run (\(step.state))"
        case .unreported: return "succeeded; its handler did not say what it removed"
        }
    }

    /// A time in UTC and, beside it, in the leaver's zone: `2026-12-04T17:30:00Z (Fri 2026-12-04 17:30 GMT, Europe/London)`.
    static func both(_ date: Date?, _ zone: String) -> String {
        guard let date else { return "—" }
        guard let timeZone = TimeZoneName.zone(named: zone), !["UTC", "GMT", "Etc/UTC"].contains(zone) else { return DateText.iso8601(date) }
        return "\(DateText.iso8601(date)) (\(DateText.humanReadable(date, in: timeZone)), \(zone))"
    }

    /// `http-status 200 from hooks.example.com`, for an escalation.
    static func escalation(_ escalation: EvidencePack.Escalation) -> String {
        var text = escalation.target.map { "to \($0)" } ?? escalation.step
        if let status = escalation.httpStatus { text += ", HTTP \(status)" } else { text += ", \(escalation.state)" }
        return text
    }

    static func key(_ step: EvidencePack.StepEvidence) -> String { step.item.map { "\(step.id) [\($0)]" } ?? step.id }
}

extension EvidencePack {
    /// The pack as Markdown, for a ticket or a wiki. Every value from outside is escaped (`SafeText.markdown`):
    /// none can start a new line, heading or table row, or open a link or HTML.
    public func markdown() -> String {
        var out: [String] = []
        let m = SafeText.markdown
        let zone = leaver.timeZone
        func at(_ date: Date?) -> String { m(EvidenceWording.both(date, zone)) }
        out.append("# Offboarding evidence: run \(m(run.id))")
        out.append("")
        out.append("**\(m(summary.sentence))**")
        out.append("")
        out.append("- Playbook: **\(m(playbook.name))** version \(playbook.version), SHA-256 `\(playbook.sha256)`")
        out.append("- Triggered by **\(m(run.triggeredBy))** at \(at(run.triggeredAt)); state **\(run.state.rawValue)**"
                   + (run.finishedAt.map { ", finished \(at($0))" } ?? ""))
        if let cancelled = run.cancelled { out.append("- Cancelled by **\(m(cancelled.by))** at \(at(cancelled.at)): \(m(cancelled.reason))") }
        if let reversal = run.reversal {
            out.append("- Reversed by **\(m(reversal.by))** at \(at(reversal.at)): \(m(reversal.reason)); undone, newest first: \(m(reversal.steps.joined(separator: ", ")))")
        }
        if let leaveTime {
            out.append("- Leave time: **\(at(leaveTime.at))**")
            for change in leaveTime.changes {
                let moved = change.changes.sorted { $0.key < $1.key }.map { "\($0.key) → \($0.value)" }.joined(separator: ", ")
                out.append("  - rescheduled by \(m(change.by)) at \(at(change.at)): \(m(moved)) (\(m(change.reason)))")
            }
        }
        let fields = leaver.fields.sorted { $0.key < $1.key }.map { "\(m($0.key)) = \(m(EvidenceWording.value($0.value)))" }
        out.append("- Leaver: \(fields.joined(separator: "; "))" + (leaver.withheld.isEmpty ? "" : "; withheld as personal data: \(m(leaver.withheld.joined(separator: ", ")))"))
        out.append("- Generated \(at(generatedAt))")

        out += ["", "## Findings", ""]
        if summary.findings.isEmpty { out.append("None.") }
        for finding in summary.findings { out.append("- \(m(finding))") }
        for returned in summary.returns { out.append("- \(m(returned.sentence))") }

        let access = steps.filter(\.removesAccess)
        out += ["", "## Access removed", ""]
        if access.isEmpty { out.append("No step of this playbook removes access.") } else {
            out += ["| Step | System | Outcome | Ended | Relative to leave time | Deadline | Verified |", "|---|---|---|---|---|---|---|"]
            for step in access {
                let deadline = step.deadline.map { d in
                    "\(EvidenceWording.time(d.due)) (\(d.secondsAfterLeaveTime.map { EvidenceWording.relative($0) + ", " } ?? "")\(d.outcome))"
                } ?? "—"
                let verified = step.verification.map { ($0.holds ? "yes: " : "NO: ") + $0.detail } ?? "—"
                out.append("| \(m(EvidenceWording.key(step))) | \(m(step.system ?? "—")) | \(m(EvidenceWording.outcome(step))) | \(at(step.finishedAt)) | "
                           + "\(m(EvidenceWording.access(step))) | \(m(deadline)) | \(m(verified)) |")
            }
        }

        let tasks = steps.filter { $0.task != nil }
        out += ["", "## Tasks done by people", ""]
        if tasks.isEmpty { out.append("None.") }
        for step in tasks {
            guard let task = step.task else { continue }
            out.append("### \(m(EvidenceWording.key(step))): \(m(task.title))")
            out.append("")
            out.append("- Assigned to \(m(task.assignee)); state **\(m(EvidenceWording.state(step)))**")
            if let by = task.completedBy { out.append("- Completed by **\(m(by))** at \(at(task.completedAt))") }
            for (name, value) in task.evidence.sorted(by: { $0.key < $1.key }) { out.append("  - \(m(name)): \(m(EvidenceWording.value(value)))") }
            for finding in task.findings { out.append("- **Open finding:** \(m(finding))") }
            for approval in task.approvals { out.append("- Approved by **\(m(approval.by))** at \(at(approval.at))") }
            if task.approvalsRequired > task.approvals.count, step.state != "succeeded" {
                out.append("- Approvals: \(task.approvals.count) of \(task.approvalsRequired)")
            }
            if let rejection = task.rejection { out.append("- Rejected by **\(m(rejection.by))**: \(m(rejection.reason))") }
            if step.state == "failed", task.rejection == nil, let error = step.error { out.append("- Failed: \(m(error))") }
            if let deadline = step.deadline { out.append("- Deadline \(at(deadline.due)): \(deadline.outcome)") }
            out.append("")
        }

        out += ["## Deadlines missed", ""]
        if deadlinesMissed.isEmpty { out.append("None.") }
        for miss in deadlinesMissed {
            let key = miss.item.map { "\(miss.step) [\($0)]" } ?? miss.step
            let escalated = miss.escalations.isEmpty ? "no escalation configured"
                : "escalated " + miss.escalations.map(EvidenceWording.escalation).joined(separator: "; ")
            out.append("- \(m(key)): due \(at(miss.due)), recorded \(at(miss.recordedAt)); \(m(escalated))")
        }

        out += ["", "## Timeline", "", "| Step | State | Ready | Started | Finished | Attempts | Note |", "|---|---|---|---|---|---|---|"]
        for step in steps {
            let note = step.error ?? step.reason ?? step.verification.map { "verified: \($0.detail)" } ?? step.description ?? ""
            out.append("| \(m(EvidenceWording.key(step))) | \(m(EvidenceWording.state(step))) | \(EvidenceWording.time(step.readyAt)) | "
                       + "\(EvidenceWording.time(step.startedAt)) | \(EvidenceWording.time(step.finishedAt)) | \(step.attempts) | \(m(note)) |")
        }

        out += ["", "## Integrity", ""]
        out.append("- Journal: \(chain.entries) entries, SHA-256 hash chain **\(chain.intact ? "intact" : "BROKEN")**" + (chain.problem.map { ": \(m($0))" } ?? ""))
        if let note = chain.note { out.append("- Note: \(m(note))") }
        out.append("- Chain head: `\(chain.head ?? "none")`")
        out.append("- To check: \(m(chain.howToCheck))")
        return out.joined(separator: "\n") + "\n"
    }
}
