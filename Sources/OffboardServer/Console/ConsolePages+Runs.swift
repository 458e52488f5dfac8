import Foundation
import Hummingbird
import OffboardRuntime
import Playbook

/// The runs: the list with filters, one run's page (steps timed against the leave time, history, actions), and the
/// actions the role allows, each asking for the reason it journals.
extension Console {
    func runsPage(_ request: Request, _ context: APIRequestContext, _ visit: ConsoleVisit) async throws -> Response {
        let query = request.uri.queryParameters
        // The form's "any" sends a blank state; any other state the filters' rule reads (and refuses when unknown).
        let stateText = query.get("state").flatMap { $0.isEmpty ? nil : String($0) }
        let state = stateText.flatMap(RunState.init(rawValue:))
        let playbook = query.get("playbook").flatMap { $0.isEmpty ? nil : String($0) }
        let overdue = query.get("overdue") == "1"
        let now = runtime.clock.now()
        let filters = RunFilters(state: stateText, playbook: playbook, leaver: query.get("leaver"), overdue: overdue, since: query.get("since"),
                                 until: query.get("until"), limit: 200)
        var runs: [RunSummary] = [], problem: String?
        switch filters.query(now: now) {
        case .success(let query): runs = try await runtime.store.runs(matching: query)
        case .failure(let refusal): problem = refusal.sentence(naming: Self.filterLabels[refusal.field] ?? refusal.field) + "; no runs are shown."
        }
        var rows: [[String: Any]] = []
        for summary in runs {
            var row: [String: Any] = ["id": summary.id, "state": summary.state.rawValue, "playbook": summary.playbookName,
                                      "createdAt": DateText.iso8601(summary.createdAt), "createdBy": summary.createdBy,
                                      "overdue": summary.isOverdue(at: now)]
            if let stored = try await runtime.store.loadRun(summary.id), let playbook = try? runtime.reading.playbook(for: stored),
               let report = try? runtime.reading.report(stored, playbook: playbook) {
                let done = report.steps.filter { ["succeeded", "skipped"].contains($0.state) }.count
                row["progress"] = "\(done) of \(report.steps.count) steps done"
                let personal = playbook.inputs.contains { $0.name == "employee_id" && $0.personal }
                if let employee = Self.inputText(stored.inputs, "employee_id"), !personal || visit.roles.contains(where: ServerRuntime.seesPersonalData) {
                    row["employee"] = employee
                }
            }
            rows.append(row)
        }
        let states = RunState.allCases.map { ["value": $0.rawValue, "selected": $0 == state] as [String: Any] }
        let playbooks = runtime.catalog.names.map { ["value": $0, "selected": $0 == playbook] as [String: Any] }
        var values: [String: Any] = ["runs": rows, "any": !rows.isEmpty, "states": states, "playbooks": playbooks, "overdue": overdue,
                                     "leaver": filters.leaver ?? "", "since": filters.since ?? "", "until": filters.until ?? ""]
        if let problem { values["problem"] = problem }
        return page("runs", title: "Runs", values: values, visit: visit, status: problem == nil ? .ok : .badRequest)
    }

    /// The list's filters by the labels the page shows them with.
    static let filterLabels = ["since": "Started from", "until": "Started to", "leaver": "Leaver", "state": "State", "limit": "Limit"]

    static func inputText(_ inputs: JSONValue, _ name: String) -> String? {
        if case .object(let fields) = inputs, case .string(let text)? = fields[name] { return text }
        return nil
    }

    func runPage(_ request: Request, _ context: APIRequestContext, _ visit: ConsoleVisit) async throws -> Response {
        let id = try context.parameter("id")
        let run = try await runtime.replayed(id)
        let (stored, playbook) = (run.stored, run.playbook)
        let pack = try await run.evidence(now: runtime.clock.now())
        let steps: [[String: Any]] = pack.steps.map { step in
            var row: [String: Any] = ["id": step.id + (step.item.map { " [\($0)]" } ?? ""), "handler": step.handler, "state": step.state,
                                      "attempts": step.attempts, "removesAccess": step.removesAccess]
            if let description = step.description { row["description"] = description }
            if let finished = step.finishedAt { row["finished"] = DateText.iso8601(finished) }
            if let seconds = step.secondsAfterLeaveTime { row["timing"] = EvidenceWording.relative(seconds) }
            if let deadline = step.deadline {
                row["deadline"] = "\(DateText.iso8601(deadline.due)) (\(deadline.outcome))"
                row["missed"] = deadline.outcome == "missed"
            }
            if let verification = step.verification { row["verification"] = (verification.holds ? "verified: " : "not verified: ") + verification.detail }
            if let error = step.error { row["error"] = error }
            if let reason = step.reason { row["reason"] = reason }
            return row
        }
        let revealing = visit.roles.contains(where: ServerRuntime.seesPersonalData)
        let history = run.journal(revealing: revealing).map(HistoryLine.init).map { ["at": $0.at, "text": $0.text] }
        var leaver: [[String: String]] = pack.leaver.fields.sorted { $0.key < $1.key }.map { ["name": $0.key, "value": $0.value.displayText] }
        // People who start and run leavers see the personal fields; others see that they are withheld.
        if revealing, case .object(let inputs) = stored.inputs {
            for name in pack.leaver.withheld.sorted() { leaver.append(["name": name, "value": inputs[name]?.displayText ?? "—"]) }
        }
        let withheld = revealing ? [] : pack.leaver.withheld.sorted()
        let state = run.state
        let dateInputs = playbook.inputs.filter { $0.type == .date || $0.type == .datetime }.map(\.name)
        var values: [String: Any] = [
            "id": id, "state": state.rawValue, "playbook": "\(pack.playbook.name) v\(pack.playbook.version)", "summary": pack.summary.sentence,
            "triggeredBy": pack.run.triggeredBy, "triggeredAt": DateText.iso8601(pack.run.triggeredAt), "steps": steps, "history": history,
            "leaver": leaver, "withheld": withheld.joined(separator: ", "), "anyWithheld": !withheld.isEmpty, "formToken": visit.session.formToken,
        ]
        if let leave = pack.leaveTime {
            let utc = DateText.iso8601(leave.at)
            values["leaveTime"] = leave.local == utc ? utc : "\(utc) (\(leave.local) in the leaver's time zone)"
        }
        // Exactly what the API would accept from this person now: the runtime's one rule.
        let allowed = run.actions(for: visit.roles.map(RoleKind.init))
        values["mayCancel"] = allowed.contains(.cancel)
        values["mayReschedule"] = allowed.contains(.reschedule)
        values["reschedule"] = dateInputs.map { ["name": $0] }
        values["mayRetry"] = allowed.contains(.retry)
        values["mayReverse"] = allowed.contains(.reverse)
        values["mayEvidence"] = visit.may(ConsoleAccess.auditors)
        values.merge(ConsoleNotice.values(request.uri.queryParameters.get("done"))) { $1 }
        return page("run", title: "Run \(id)", values: values, visit: visit)
    }

    /// Hands a request to the worker and returns to the run page with what became of it.
    func submit(_ request: RunRequest) async throws -> Response {
        let notice: ConsoleNotice
        switch try await runtime.worker.submit(request) {
        case .applied: notice = .applied
        case .pending: notice = .pending
        case .refused(let refused): throw ConsoleRefusal(status: refused.isInvalidInput ? .unprocessableContent : .conflict,
                                                         message: "Not done: \(refused.problems.joined(separator: "; "))")
        case .noSuchRun: throw ConsoleRefusal.notFound("There is no run \(request.runID).")
        }
        return Self.redirect("/console/runs/\(request.runID)?\(notice.query)")
    }

    /// The form's reason, by the runtime's one rule (`RequestReason`).
    func reason(_ visit: ConsoleVisit) throws -> String {
        switch RequestReason.checked(visit.field("reason")) {
        case .success(let reason): return reason
        case .failure(let refusal):
            throw ConsoleRefusal(status: .unprocessableContent,
                                 message: "Say why (1–\(refusal.limit ?? RequestReason.maximumLength) characters): the reason is journaled with your name. Nothing was done.")
        }
    }

    func cancelAction(_ request: Request, _ context: APIRequestContext, _ visit: ConsoleVisit) async throws -> Response {
        try await submit(RunRequest(runID: try context.parameter("id"), kind: .cancel, reason: try reason(visit), requestedBy: visit.session.person,
                                    requestedAt: runtime.clock.now()))
    }

    func rescheduleAction(_ request: Request, _ context: APIRequestContext, _ visit: ConsoleVisit) async throws -> Response {
        guard let input = visit.field("input"), let value = visit.field("value") else {
            throw ConsoleRefusal(status: .unprocessableContent, message: "Choose the date to move and give its new value. Nothing was done.")
        }
        let now = runtime.clock.now()
        return try await submit(RunRequest(runID: try context.parameter("id"), kind: .reschedule, reason: try reason(visit),
                                           fields: ChangedFields.resolved([input: value], now: now), requestedBy: visit.session.person,
                                           requestedAt: now, allowPast: visit.field("allow_past") == "on"))
    }

    func retryAction(_ request: Request, _ context: APIRequestContext, _ visit: ConsoleVisit) async throws -> Response {
        try await submit(RunRequest(runID: try context.parameter("id"), kind: .redrive, step: visit.field("step"), requestedBy: visit.session.person,
                                    requestedAt: runtime.clock.now()))
    }

    func reversePreviewPage(_ request: Request, _ context: APIRequestContext, _ visit: ConsoleVisit) async throws -> Response {
        let id = try context.parameter("id")
        let preview = try await ReversalPreview.make(try await runtime.stored(id), registry: runtime.registry, now: runtime.clock.now())
        let undo = preview.undo.map { ["undoes": $0.undoes, "uses": $0.uses, "summary": $0.summary ?? "", "problem": $0.problem ?? ""] }
        return page("reverse", title: "Reverse run \(id)", values: ["id": id, "undo": undo, "any": !undo.isEmpty, "staysDone": preview.staysDone.joined(separator: ", "),
                                                                    "formToken": visit.session.formToken], visit: visit)
    }

    func reverseAction(_ request: Request, _ context: APIRequestContext, _ visit: ConsoleVisit) async throws -> Response {
        try await submit(RunRequest(runID: try context.parameter("id"), kind: .reverse, reason: try reason(visit), requestedBy: visit.session.person,
                                    requestedAt: runtime.clock.now()))
    }
}

extension JSONValue {
    /// A value as a person reads it: text without quotes, anything else as JSON.
    var displayText: String {
        if case .string(let text) = self { return text }
        return compactText
    }
}
