import Foundation
import Playbook

/// Wording shared by the Markdown and HTML forms of an evidence pack.
enum EvidenceWording {
    /// `4m 12s after the leave time`, `2h before the leave time`, `at the leave time`.
    static func relative(_ seconds: Double) -> String {
        if abs(seconds) < 1 { return "at the leave time" }
        return "\(duration(abs(seconds))) \(seconds > 0 ? "after" : "before") the leave time"
    }

    /// `1d 2h 5m`, `4m 12s`, through Foundation's duration format style.
    static func duration(_ seconds: Double) -> String {
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
        default: return String(decoding: value.canonicalData(), as: UTF8.self)
        }
    }

    static func access(_ step: EvidencePack.StepEvidence) -> String {
        if let seconds = step.secondsAfterLeaveTime { return relative(seconds) }
        switch step.state {
        case "succeeded": return "done (no leave time)"
        case "skipped": return "not applicable (\(step.reason ?? "skipped"))"
        default: return "NOT removed (\(step.state))"
        }
    }

    static func key(_ step: EvidencePack.StepEvidence) -> String { step.item.map { "\(step.id) [\($0)]" } ?? step.id }
}

extension EvidencePack {
    /// The pack as Markdown, for a ticket or a wiki.
    public func markdown() -> String {
        var out: [String] = []
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
        out.append("# Offboarding evidence: run \(run.id)")
        out.append("")
        out.append("- Playbook: **\(playbook.name)** version \(playbook.version), SHA-256 `\(playbook.sha256)`")
        out.append("- Triggered by **\(run.triggeredBy)** at \(EvidenceWording.time(run.triggeredAt)); state **\(run.state.rawValue)**"
                   + (run.finishedAt.map { ", finished \(EvidenceWording.time($0))" } ?? ""))
        if let cancelled = run.cancelled { out.append("- Cancelled by **\(cancelled.by)** at \(EvidenceWording.time(cancelled.at)): \(cancelled.reason)") }
        if let reversal = run.reversal {
            out.append("- Reversed by **\(reversal.by)** at \(EvidenceWording.time(reversal.at)): \(reversal.reason); undone, newest first: \(reversal.steps.joined(separator: ", "))")
        }
        if let leaveTime {
            out.append("- Leave time: **\(EvidenceWording.time(leaveTime.at))** (\(leaver.timeZone))")
            for change in leaveTime.changes {
                let moved = change.changes.sorted { $0.key < $1.key }.map { "\($0.key) → \($0.value)" }.joined(separator: ", ")
                out.append("  - rescheduled by \(change.by) at \(EvidenceWording.time(change.at)): \(moved) (\(change.reason))")
            }
        }
        let fields = leaver.fields.sorted { $0.key < $1.key }.map { "\($0.key) = \(EvidenceWording.value($0.value))" }
        out.append("- Leaver: \(fields.joined(separator: "; "))" + (leaver.withheld.isEmpty ? "" : "; withheld as personal data: \(leaver.withheld.joined(separator: ", "))"))
        out.append("- Generated \(EvidenceWording.time(generatedAt))")

        let access = steps.filter(\.removesAccess)
        out += ["", "## Access removed", ""]
        if access.isEmpty { out.append("No step of this playbook removes access.") } else {
            out += ["| Step | Ended | Relative to leave time | Deadline | Verified |", "|---|---|---|---|---|"]
            for step in access {
                let deadline = step.deadline.map { "\(EvidenceWording.time($0.due)) (\($0.outcome))" } ?? "—"
                let verified = step.verification.map { ($0.holds ? "yes: " : "NO: ") + $0.detail } ?? "—"
                out.append("| \(cell(EvidenceWording.key(step))) | \(EvidenceWording.time(step.finishedAt)) | \(EvidenceWording.access(step)) | \(deadline) | \(cell(verified)) |")
            }
        }

        let tasks = steps.filter { $0.task != nil }
        out += ["", "## Tasks done by people", ""]
        if tasks.isEmpty { out.append("None.") }
        for step in tasks {
            guard let task = step.task else { continue }
            out.append("### \(EvidenceWording.key(step)): \(task.title)")
            out.append("")
            out.append("- Assigned to \(task.assignee); state **\(EvidenceWording.state(step))**")
            if let by = task.completedBy { out.append("- Completed by **\(by)** at \(EvidenceWording.time(task.completedAt))") }
            for (name, value) in task.evidence.sorted(by: { $0.key < $1.key }) { out.append("  - \(name): \(EvidenceWording.value(value))") }
            for approval in task.approvals { out.append("- Approved by **\(approval.by)** at \(EvidenceWording.time(approval.at))") }
            if task.approvalsRequired > task.approvals.count, step.state != "succeeded" {
                out.append("- Approvals: \(task.approvals.count) of \(task.approvalsRequired)")
            }
            if let rejection = task.rejection { out.append("- Rejected by **\(rejection.by)**: \(rejection.reason)") }
            if let deadline = step.deadline { out.append("- Deadline \(EvidenceWording.time(deadline.due)): \(deadline.outcome)") }
            out.append("")
        }

        out += ["## Deadlines missed", ""]
        if deadlinesMissed.isEmpty { out.append("None.") }
        for miss in deadlinesMissed {
            let key = miss.item.map { "\(miss.step) [\($0)]" } ?? miss.step
            let escalated = miss.escalations.isEmpty ? "no escalation configured" : "escalated: \(miss.escalations.joined(separator: ", "))"
            out.append("- \(key): due \(EvidenceWording.time(miss.due)), recorded \(EvidenceWording.time(miss.recordedAt)); \(escalated)")
        }

        out += ["", "## Timeline", "", "| Step | State | Ready | Started | Finished | Attempts | Note |", "|---|---|---|---|---|---|---|"]
        for step in steps {
            let note = step.error ?? step.reason ?? step.verification.map { "verified: \($0.detail)" } ?? step.description ?? ""
            out.append("| \(cell(EvidenceWording.key(step))) | \(EvidenceWording.state(step)) | \(EvidenceWording.time(step.readyAt)) | "
                       + "\(EvidenceWording.time(step.startedAt)) | \(EvidenceWording.time(step.finishedAt)) | \(step.attempts) | \(cell(note)) |")
        }

        out += ["", "## Integrity", ""]
        out.append("- Journal: \(chain.entries) entries, SHA-256 hash chain **\(chain.intact ? "intact" : "BROKEN")**" + (chain.problem.map { ": \($0)" } ?? ""))
        out.append("- Chain head: `\(chain.head ?? "none")`")
        out.append("- To check: \(chain.howToCheck)")
        return out.joined(separator: "\n") + "\n"
    }
}
