import Foundation
import Playbook

extension EvidencePack {
    /// The pack as one self-contained HTML file (no scripts, fonts or images from elsewhere) that
    /// reads well on screen and printed. Every value is escaped.
    public func html() -> String {
        var body: [String] = []
        body.append("<header><h1>Offboarding evidence</h1><p class=\"sub\">Run <code>\(e(run.id))</code> · playbook <strong>\(e(playbook.name))</strong> v\(playbook.version)</p></header>")
        body.append(findingsSection())
        body.append(summarySection())
        body.append(accessSection())
        body.append(tasksSection())
        body.append(deadlineSection())
        body.append(timelineSection())
        body.append(integritySection())
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Offboarding evidence — run \(SafeText.needsIsolation(run.id) ? "\u{2068}\(escape(run.id))\u{2069}" : escape(run.id))</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            \(body.joined(separator: "\n"))
            <footer>Generated \(e(EvidenceWording.time(generatedAt))) by offboard · format \(e(format))</footer>
            </body>
            </html>

            """
    }

    /// `text` escaped for HTML, and isolated (`<bdi>`) when it could reorder the text around it (right-to-left
    /// letters or bidi controls): a name ending in a right-to-left override never reverses the pack's own words.
    private func e(_ text: String) -> String {
        let escaped = escape(text)
        return SafeText.needsIsolation(text) ? "<bdi>\(escaped)</bdi>" : escaped
    }

    private func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    private func badge(_ text: String, _ kind: String) -> String { "<span class=\"badge \(kind)\">\(e(text))</span>" }

    private func stateBadge(_ step: StepEvidence) -> String {
        let kind = step.state == "succeeded" ? "ok" : (["failed", "cancelled"].contains(step.state) ? "bad" : "wait")
        var text = badge(step.state, kind)
        if step.deadline?.outcome == "missed" { text += " " + badge("deadline missed", "bad") }
        return text
    }

    /// A time in UTC with the leaver's local time beside it.
    private func at(_ date: Date?) -> String { EvidenceWording.both(date, leaver.timeZone) }

    private func findingsSection() -> String {
        let kind = summary.noAccessRemoved || summary.accessRemovals[RemovalOutcome.failed.rawValue, default: 0] > 0 ? "bad"
            : (summary.findings.isEmpty ? "ok" : "wait")
        var items = summary.findings.map { "<li>\(badge("finding", "bad")) \(e($0))</li>" }
        items += summary.returns.map { "<li>\(e($0.sentence))</li>" }
        let list = items.isEmpty ? "<p>No open finding.</p>" : "<ul>\(items.joined())</ul>"
        return "<section><h2>Findings</h2><p class=\"verdict \(kind)\"><strong>\(e(summary.sentence))</strong></p>\(list)</section>"
    }

    private func summarySection() -> String {
        var rows: [(String, String)] = [
            ("Run state", badge(run.state.rawValue, [.succeeded, .reversed].contains(run.state) ? "ok" : (run.state == .failed || run.state == .cancelled ? "bad" : "wait"))),
            ("Triggered", "\(e(run.triggeredBy)) at \(e(at(run.triggeredAt)))"),
            ("Finished", e(at(run.finishedAt))),
            ("Playbook", "\(e(playbook.name)) version \(playbook.version)<br><code class=\"hash\">sha256 \(e(playbook.sha256))</code>"),
        ]
        if let cancelled = run.cancelled {
            rows.append(("Cancelled", "by \(e(cancelled.by)) at \(e(EvidenceWording.time(cancelled.at))): \(e(cancelled.reason))"))
        }
        if let reversal = run.reversal {
            rows.append(("Reversed", "by \(e(reversal.by)) at \(e(EvidenceWording.time(reversal.at))): \(e(reversal.reason))<br>undone, newest first: \(e(reversal.steps.joined(separator: ", ")))"))
        }
        if let leaveTime {
            var text = "<strong>\(e(at(leaveTime.at)))</strong>"
            for change in leaveTime.changes {
                let moved = change.changes.sorted { $0.key < $1.key }.map { "\($0.key) → \($0.value)" }.joined(separator: ", ")
                text += "<br>rescheduled by \(e(change.by)) at \(e(EvidenceWording.time(change.at))): \(e(moved)) — \(e(change.reason))"
            }
            rows.append(("Leave time", text))
        }
        let fields = leaver.fields.sorted { $0.key < $1.key }.map { "\(e($0.key)): \(e(EvidenceWording.value($0.value)))" }
        var leaverText = fields.joined(separator: "<br>")
        if !leaver.withheld.isEmpty { leaverText += "<br><em>withheld as personal data: \(e(leaver.withheld.joined(separator: ", ")))</em>" }
        rows.append(("Leaver", leaverText))
        let cells = rows.map { "<tr><th scope=\"row\">\(e($0.0))</th><td>\($0.1)</td></tr>" }.joined()
        return "<section><h2>Summary</h2><table class=\"facts\">\(cells)</table></section>"
    }

    private func accessSection() -> String {
        let access = steps.filter(\.removesAccess)
        guard !access.isEmpty else { return "<section><h2>Access removed</h2><p>No step of this playbook removes access.</p></section>" }
        let rows = access.map { step -> String in
            let deadline = step.deadline.map { d in
                "\(e(EvidenceWording.time(d.due)))" + (d.secondsAfterLeaveTime.map { "<br><small>\(e(EvidenceWording.relative($0)))</small>" } ?? "")
                    + "<br>\(badge(d.outcome, d.outcome == "met" ? "ok" : (d.outcome == "missed" ? "bad" : "wait")))"
            } ?? "—"
            let verified = step.verification.map { badge($0.holds ? "verified" : "NOT verified", $0.holds ? "ok" : "bad") + " " + e($0.detail) } ?? "—"
            let outcome = step.removal ?? .notRun
            let kind = outcome == .removed ? "ok" : (outcome == .failed || outcome == .notRun || outcome == .unreported ? "bad" : "wait")
            let relative = step.secondsAfterLeaveTime.map { e(EvidenceWording.relative($0)) } ?? "—"
            return "<tr><td><strong>\(e(EvidenceWording.key(step)))</strong><br><small>\(e(step.description ?? step.handler))</small></td>"
                + "<td>\(e(step.system ?? "—"))</td><td>\(badge(outcome.rawValue.replacingOccurrences(of: "_", with: " "), kind))<br>\(e(EvidenceWording.outcome(step)))</td>"
                + "<td>\(e(at(step.finishedAt)))</td><td>\(relative)</td><td>\(deadline)</td><td>\(verified)</td></tr>"
        }
        return """
            <section><h2>Access removed</h2><table><thead><tr><th>Access</th><th>System</th><th>Outcome</th><th>Ended</th><th>Relative to leave time</th>\
            <th>Deadline</th><th>Independent check</th></tr></thead><tbody>\(rows.joined())</tbody></table></section>
            """
    }

    private func tasksSection() -> String {
        let tasks = steps.compactMap { step in step.task.map { (step, $0) } }
        guard !tasks.isEmpty else { return "<section><h2>Tasks done by people</h2><p>None.</p></section>" }
        let cards = tasks.map { step, task -> String in
            var lines = ["<p>Assigned to <strong>\(e(task.assignee))</strong> · \(stateBadge(step))</p>"]
            if let by = task.completedBy { lines.append("<p>Completed by <strong>\(e(by))</strong> at \(e(at(task.completedAt)))</p>") }
            if !task.evidence.isEmpty {
                let items = task.evidence.sorted { $0.key < $1.key }.map { "<tr><th scope=\"row\">\(e($0.key))</th><td>\(e(EvidenceWording.value($0.value)))</td></tr>" }
                lines.append("<table class=\"facts evidence\">\(items.joined())</table>")
            }
            for approval in task.approvals { lines.append("<p>Approved by <strong>\(e(approval.by))</strong> at \(e(EvidenceWording.time(approval.at)))</p>") }
            if task.approvalsRequired > task.approvals.count, step.state != "succeeded" {
                lines.append("<p>Approvals: \(task.approvals.count) of \(task.approvalsRequired)</p>")
            }
            for finding in task.findings { lines.append("<p>\(badge("open finding", "bad")) \(e(finding))</p>") }
            if let rejection = task.rejection { lines.append("<p>Rejected by <strong>\(e(rejection.by))</strong>: \(e(rejection.reason))</p>") }
            if step.state == "failed", task.rejection == nil, let error = step.error { lines.append("<p>\(badge("failed", "bad")) \(e(error))</p>") }
            if let deadline = step.deadline { lines.append("<p>Deadline \(e(at(deadline.due))): \(e(deadline.outcome))</p>") }
            return "<article class=\"task\"><h3>\(e(EvidenceWording.key(step))) — \(e(task.title))</h3>\(lines.joined())</article>"
        }
        return "<section><h2>Tasks done by people</h2>\(cards.joined())</section>"
    }

    private func deadlineSection() -> String {
        guard !deadlinesMissed.isEmpty else { return "<section><h2>Deadlines missed</h2><p>None.</p></section>" }
        let rows = deadlinesMissed.map { miss -> String in
            let key = miss.item.map { "\(miss.step) [\($0)]" } ?? miss.step
            let escalated = miss.escalations.isEmpty ? "no escalation configured" : miss.escalations.map(EvidenceWording.escalation).joined(separator: "; ")
            return "<tr><td>\(e(key))</td><td>\(e(at(miss.due)))</td><td>\(e(at(miss.recordedAt)))</td><td>\(e(escalated))</td></tr>"
        }
        return """
            <section><h2>Deadlines missed</h2><table><thead><tr><th>Step</th><th>Due</th><th>Recorded</th><th>Escalated to</th></tr></thead>\
            <tbody>\(rows.joined())</tbody></table></section>
            """
    }

    private func timelineSection() -> String {
        let rows = steps.map { step -> String in
            let note = step.error ?? step.reason ?? step.verification.map { "verified: \($0.detail)" } ?? step.description ?? ""
            return "<tr><td>\(e(EvidenceWording.key(step)))</td><td>\(stateBadge(step))</td><td>\(e(EvidenceWording.time(step.readyAt)))</td>"
                + "<td>\(e(EvidenceWording.time(step.startedAt)))</td><td>\(e(EvidenceWording.time(step.finishedAt)))</td><td>\(step.attempts)</td><td>\(e(note))</td></tr>"
        }
        return """
            <section><h2>Timeline</h2><table class="timeline"><thead><tr><th>Step</th><th>State</th><th>Ready</th><th>Started</th><th>Finished</th>\
            <th>Attempts</th><th>Note</th></tr></thead><tbody>\(rows.joined())</tbody></table></section>
            """
    }

    private func integritySection() -> String {
        var verdict = chain.intact ? badge("intact", "ok") : badge("BROKEN", "bad") + " " + e(chain.problem ?? "")
        if let note = chain.note { verdict += "<br><small>\(e(note))</small>" }
        return """
            <section><h2>Integrity</h2><table class="facts"><tr><th scope="row">Journal</th><td>\(chain.entries) entries, SHA-256 hash chain \(verdict)</td></tr>\
            <tr><th scope="row">Chain head</th><td><code class="hash">\(e(chain.head ?? "none"))</code></td></tr>\
            <tr><th scope="row">To check</th><td>\(e(chain.howToCheck))</td></tr></table></section>
            """
    }

    static let style = """
        :root { color-scheme: light; }
        body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1d2330; max-width: 1100px; margin: 2rem auto; padding: 0 1.5rem; }
        header { border-bottom: 3px solid #1d2330; margin-bottom: 1rem; }
        h1 { font-size: 1.7rem; margin: 0 0 .2rem; } .sub { margin: 0 0 .6rem; color: #4a5366; }
        h2 { font-size: 1.15rem; margin: 1.6rem 0 .5rem; border-bottom: 1px solid #c9cfdb; padding-bottom: .2rem; }
        h3 { font-size: 1rem; margin: 0 0 .4rem; }
        table { border-collapse: collapse; width: 100%; font-size: 13px; }
        th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid #e1e5ee; }
        thead th { background: #f1f3f8; border-bottom: 1px solid #c9cfdb; }
        table.facts th { width: 11rem; color: #4a5366; font-weight: 600; }
        table.evidence { width: auto; margin: .3rem 0 .5rem; } table.evidence th { width: auto; }
        code, .hash { font-family: "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; }
        small { color: #4a5366; }
        .badge { display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: 12px; font-weight: 600; border: 1px solid; }
        .ok { color: #0f6b2f; background: #e6f4ea; border-color: #9ccfac; }
        .bad { color: #9b1c1c; background: #fdecec; border-color: #eba8a8; }
        .wait { color: #7a5300; background: #fff6df; border-color: #e8cf8a; }
        p.verdict { padding: .5rem .7rem; border-radius: 6px; border: 1px solid; }
        article.task { border: 1px solid #e1e5ee; border-radius: 6px; padding: .6rem .8rem; margin: .6rem 0; }
        article.task p { margin: .15rem 0; }
        footer { margin-top: 2rem; color: #4a5366; font-size: 12px; border-top: 1px solid #c9cfdb; padding-top: .4rem; }
        @media print {
          body { margin: 0; max-width: none; font-size: 11pt; }
          section, article.task, tr { break-inside: avoid; }
          h2 { break-after: avoid; }
          .badge { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
          thead { display: table-header-group; }
        }
        """
}
