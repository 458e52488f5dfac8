import Foundation
import Hummingbird
import Logging
import OffboardRuntime
import Playbook

/// Each team's inbox: only its assignee's open tasks (and the approvals waiting for it), overdue first, and a form
/// built from each task's typed evidence fields. A refused action shows the reason and records nothing.
extension Console {
    /// The open tasks this person may act on.
    func tasks(for visit: ConsoleVisit) async throws -> [TaskReport] {
        let listing = try await TaskQuery(store: runtime.store, registry: runtime.registry).open(now: runtime.clock.now())
        for (run, _) in listing.unreadable { runtime.logger.warning("run \(run) could not be read for the task inbox (offboard tasks shows why)") }
        return listing.tasks.filter(visit.mayAct).sorted { ($0.overdue ? 0 : 1, $0.due ?? .distantFuture) < ($1.overdue ? 0 : 1, $1.due ?? .distantFuture) }
    }

    /// The approver the playbook names that this person signs for: none when they are named themselves, else the
    /// first of their teams among the task's approvers.
    static func approver(for task: TaskReport, visit: ConsoleVisit) -> String? {
        guard let approvers = task.approvals?.approvers else { return nil }
        if approvers.contains(where: { isSamePerson($0, visit.session.person) }) { return nil }
        return visit.assignees.first { team in approvers.contains { isSamePerson($0, team) } }
    }

    /// What the step is now that the worker applied the person's action: only that is said.
    func outcome(of task: TaskReport, after kind: RunRequest.Kind) async throws -> ConsoleNotice {
        let state = try runtime.reading.report(try await runtime.stored(task.run)).steps.first { $0.id == task.step && $0.item == task.item }?.state
        switch (kind, state) {
        case (.reject, _): return .rejected
        case (_, "failed"?): return .taskFailed
        case (.approve, "succeeded"?): return .approvedDone
        case (.approve, _): return .approvedMore
        case (_, "succeeded"?): return .taskDone
        case (_, StepState.awaitingApproval.name?): return .taskAwaitsApproval
        default: return .taskPending
        }
    }

    func inboxPage(_ request: Request, _ context: APIRequestContext, _ visit: ConsoleVisit) async throws -> Response {
        let rows: [[String: Any]] = try await tasks(for: visit).map { task in
            var row: [String: Any] = ["run": task.run, "step": task.step, "title": task.title, "assignee": task.assignee, "overdue": task.overdue,
                                      "approval": task.state != StepState.awaitingPerson.name, "href": Self.taskPath(task)]
            if let due = task.due { row["due"] = DateText.iso8601(due) }
            if let item = task.item { row["item"] = item }
            return row
        }
        let teams = visit.isOperator ? "every team (operator)" : visit.assignees.joined(separator: ", ")
        var values: [String: Any] = ["tasks": rows, "any": !rows.isEmpty, "teams": teams]
        values.merge(ConsoleNotice.values(request.uri.queryParameters.get("done"))) { $1 }
        return page("inbox", title: "Tasks", values: values, visit: visit)
    }

    static func taskPath(_ task: TaskReport) -> String {
        let item = task.item.map { "?item=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") } ?? ""
        return "/console/tasks/\(task.run)/\(task.step.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_"))) ?? task.step)\(item)"
    }

    /// The task, if it is open and this person may act on it; otherwise the same refusal whether or not it exists.
    func task(_ context: APIRequestContext, item: String?, visit: ConsoleVisit) async throws -> TaskReport {
        let id = try context.parameter("id"), step = try context.parameter("step")
        let task = try await tasks(for: visit).first { $0.run == id && $0.step == step && $0.item == item }
        guard let task else { throw ConsoleRefusal.forbidden("This task is not open for you: it is done, or it is not for your team.") }
        return task
    }

    func taskPage(_ request: Request, _ context: APIRequestContext, _ visit: ConsoleVisit) async throws -> Response {
        let task = try await task(context, item: request.uri.queryParameters.get("item").map { String($0) }, visit: visit)
        return taskForm(task, posted: [:], refusal: nil, visit: visit, status: .ok)
    }

    func taskForm(_ task: TaskReport, posted: [String: String], refusal: String?, visit: ConsoleVisit, status: HTTPResponse.Status) -> Response {
        let fields: [[String: Any]] = task.evidence.map { field in
            let name = "ev_" + field.name, value = posted[name] ?? ""
            var row: [String: Any] = ["name": name, "id": name, "label": field.name.replacingOccurrences(of: "_", with: " "), "required": field.required, "value": value]
            row["help"] = field.description ?? ""
            row["numberStep"] = field.type == .number ? "any" : ""
            switch field.type {
            case .enum:
                row["options"] = ([""] + (field.values ?? [])).map { ["value": $0, "selected": $0 == value] as [String: Any] }
                row["select"] = true
            case .bool:
                row["options"] = ["", "true", "false"].map { ["value": $0, "selected": $0 == value] as [String: Any] }
                row["select"] = true
            case .date: row["html"] = "date"
            case .number: row["html"] = "number"
            case .string: row["html"] = "text"
            }
            return row
        }
        let approval = task.state != StepState.awaitingPerson.name
        var values: [String: Any] = ["run": task.run, "step": task.step, "title": task.title, "assignee": task.assignee, "instructions": task.instructions ?? "",
                                     "fields": fields, "approval": approval, "formToken": visit.session.formToken, "action": Self.taskPath(task),
                                     "overdue": task.overdue, "item": task.item ?? ""]
        if let due = task.due { values["due"] = DateText.iso8601(due) }
        if let approvals = task.approvals {
            values["approvals"] = "\(approvals.given.count) of \(approvals.required) given (\(approvals.given.isEmpty ? "none yet" : approvals.given.joined(separator: ", ")))"
        }
        if let refusal { values["refusal"] = refusal }
        return page("task", title: task.title, values: values, visit: visit, status: status)
    }

    func taskAction(_ request: Request, _ context: APIRequestContext, _ visit: ConsoleVisit) async throws -> Response {
        let item = visit.field("item")
        let task = try await task(context, item: item, visit: visit)
        let kind: RunRequest.Kind
        switch visit.field("action") {
        case "approve": kind = .approve
        case "reject": kind = .reject
        default: kind = .complete
        }
        var fields: [String: String] = [:]
        if kind == .complete {
            for field in task.evidence { if let value = visit.field("ev_" + field.name) { fields[field.name] = value } }
        } else if let approver = Self.approver(for: task, visit: visit) {
            // Someone signed in with a team's role signs for that team, as the playbook names it; the journal keeps both.
            fields["approver"] = approver
        }
        var reason: String?
        if kind == .reject {
            guard case .success(let checked) = RequestReason.checked(visit.field("reason")) else {
                return taskForm(task, posted: visit.form, refusal: "Say why you reject it (1–\(RequestReason.maximumLength) characters): the reason is journaled. Nothing was recorded.",
                                visit: visit, status: .unprocessableContent)
            }
            reason = checked
        }
        let submitted = RunRequest(runID: task.run, kind: kind, step: task.step, item: task.item, reason: reason, fields: fields,
                                   requestedBy: visit.session.person, requestedAt: runtime.clock.now())
        switch try await runtime.worker.submit(submitted) {
        case .applied:
            return Self.redirect("/console/tasks?\(try await outcome(of: task, after: kind).query)")
        case .pending:
            return Self.redirect("/console/tasks?\(ConsoleNotice.taskPending.query)")
        case .refused(let refused):
            return taskForm(task, posted: visit.form, refusal: "Not recorded: " + refused.problems.joined(separator: "; "), visit: visit,
                            status: refused.isInvalidInput ? .unprocessableContent : .conflict)
        case .noSuchRun: throw ConsoleRefusal.notFound("There is no run \(task.run).")
        }
    }
}
