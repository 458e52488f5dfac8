import Foundation
import Hummingbird
import OffboardRuntime
import Playbook

/// Starting a leaver: choose a playbook, fill the form its inputs declare, see the dry-run plan as a timeline
/// (optionally with the live read of the real targets), confirm.
extension Console {
    func choosePlaybookPage(_ request: Request, _ context: APIRequestContext, _ visit: ConsoleVisit) async throws -> Response {
        let playbooks: [[String: String]] = runtime.catalog.names.compactMap { name in
            guard let playbook = try? runtime.catalog.playbook(named: name) else { return nil }
            return ["name": name, "description": playbook.description ?? "", "version": String(playbook.version)]
        }
        return page("choose", title: "Start a leaver", values: ["playbooks": playbooks], visit: visit)
    }

    func startFormPage(_ request: Request, _ context: APIRequestContext, _ visit: ConsoleVisit) async throws -> Response {
        let playbook = try runtime.playbook(named: try context.parameter("playbook"))
        return startForm(playbook, posted: [:], problems: [], visit: visit, status: .ok)
    }

    func startForm(_ playbook: Playbook, posted: [String: String], problems: [LeaverRecord.Problem], visit: ConsoleVisit, status: HTTPResponse.Status) -> Response {
        let fields = StartFormFields.fields(for: playbook, posted: posted, problems: problems)
        let general = problems.filter { $0.field == nil || !playbook.inputs.map(\.name).contains($0.field ?? "") }.map(\.message)
        return page("start", title: "Start a leaver: \(playbook.name)", values: [
            "playbook": playbook.name, "description": playbook.description ?? "", "fields": fields, "formToken": visit.session.formToken,
            "general": general, "anyProblems": !problems.isEmpty, "live": posted["live"] == "on",
        ], visit: visit, status: status)
    }

    /// The form again, with each problem beside its field; nothing was started.
    func refusedForm(_ playbook: Playbook, _ problems: [LeaverRecord.Problem], _ visit: ConsoleVisit) -> Response {
        startForm(playbook, posted: visit.form, problems: problems, visit: visit, status: .unprocessableContent)
    }

    /// Binds the form to the playbook; the problems name the fields, in the words the CLI uses.
    func bind(_ playbook: Playbook, _ visit: ConsoleVisit) -> StartBinding {
        let node = LeaverRecord.node(from: .object(StartFormFields.record(for: playbook, posted: visit.form)), file: "form")
        do throws(DiagnosticsError) {
            return .bound(try LeaverRecord.bind(node, to: playbook, now: runtime.clock.now()))
        } catch {
            return .problems(LeaverRecord.problems(error.diagnostics.filter { $0.severity == .error }, record: node, playbook: playbook))
        }
    }

    func previewAction(_ request: Request, _ context: APIRequestContext, _ visit: ConsoleVisit) async throws -> Response {
        let playbook = try runtime.playbook(named: try context.parameter("playbook"))
        let inputs: BoundInputs
        switch bind(playbook, visit) {
        case .bound(let bound): inputs = bound
        case .problems(let problems): return refusedForm(playbook, problems, visit)
        }
        let live = visit.form["live"] == "on"
        let now = runtime.clock.now()
        let plan = await RunStarting.plan(playbook, inputs: inputs, now: now, registry: runtime.registry, liveSecrets: live ? runtime.secrets : nil)
        let hidden = playbook.inputs.compactMap { input in visit.form["in_" + input.name].map { ["name": "in_" + input.name, "value": $0] } }
        var values: [String: Any] = [
            "playbook": playbook.name, "version": playbook.version, "steps": PlanTimeline.rows(plan), "hidden": hidden, "formToken": visit.session.formToken,
            "live": live, "problems": plan.problems.map(\.message), "warnings": plan.warnings.map(\.message), "anyProblems": !plan.problems.isEmpty,
            "secrets": plan.secrets.joined(separator: ", "), "timeZone": plan.timeZone,
        ]
        if let leave = plan.leaveTime { values["leaveTime"] = "\(leave.utc) (\(leave.local))" }
        let existing = try await activeRuns(of: playbook, like: inputs)
        if !existing.isEmpty {
            values["existing"] = existing.map { ["id": $0.id, "state": $0.state.rawValue] }
            values["anyExisting"] = true
        }
        values["anyWarnings"] = !plan.warnings.isEmpty
        return page("preview", title: "Preview: \(playbook.name)", values: values, visit: visit)
    }

    /// Back from the preview to the form, with what was typed.
    func editAction(_ request: Request, _ context: APIRequestContext, _ visit: ConsoleVisit) async throws -> Response {
        startForm(try runtime.playbook(named: try context.parameter("playbook")), posted: visit.form, problems: [], visit: visit, status: .ok)
    }

    /// Unfinished runs of this playbook for the same leaver (by employee id or email), shown before confirming.
    func activeRuns(of playbook: Playbook, like inputs: BoundInputs) async throws -> [RunSummary] {
        guard case .object(let bound) = inputs.json else { return [] }
        guard let leaver = ["employee_id", "email"].lazy.compactMap({ bound[$0]?.displayText }).first else { return [] }
        return try await runtime.runs(RunFilters(playbook: playbook.name, leaver: leaver, limit: 20)).filter { !$0.state.isFinished }
    }

    func confirmStartAction(_ request: Request, _ context: APIRequestContext, _ visit: ConsoleVisit) async throws -> Response {
        let playbook = try runtime.playbook(named: try context.parameter("playbook"))
        let inputs: BoundInputs
        switch bind(playbook, visit) {
        case .bound(let bound): inputs = bound
        case .problems(let problems): return refusedForm(playbook, problems, visit)
        }
        // The same leaver record confirmed twice (a double click, a second tab) is one run: the key is the record.
        let started = try await RunStarting(store: runtime.store, clock: runtime.clock, worker: runtime.worker)
            .startOnce(playbook, inputs: inputs, source: "console", by: visit.session.person)
        return Self.redirect("/console/runs/\(started.id)?\((started.created ? ConsoleNotice.started : .existing).query)")
    }
}

/// A posted start form, bound to the playbook's inputs or refused with the problems by field.
enum StartBinding {
    case bound(BoundInputs)
    case problems([LeaverRecord.Problem])
}

/// The start form's fields, from the playbook's declared inputs, and the leaver record a posted form makes.
enum StartFormFields {
    static func fields(for playbook: Playbook, posted: [String: String], problems: [LeaverRecord.Problem]) -> [[String: Any]] {
        playbook.inputs.map { input in
            let name = "in_" + input.name
            let value = posted[name] ?? input.defaultValue.map { $0.json().displayText } ?? ""
            var field: [String: Any] = ["name": name, "id": name, "label": input.name.replacingOccurrences(of: "_", with: " "), "input": input.name,
                                        "required": input.required, "value": value, "type": input.type.rawValue]
            // Every key a field's template reads is set here, so none falls through to the page's own (Mustache looks up).
            field["help"] = input.description ?? ""
            field["hint"] = ""
            let errors = problems.filter { $0.field == input.name }.map(\.message)
            if !errors.isEmpty { field["errors"] = errors; field["invalid"] = true }
            if let allowed = input.allowed {
                field["options"] = ([""] + allowed).map { ["value": $0, "selected": $0 == value] as [String: Any] }
                field["select"] = true
            } else if input.type == .bool {
                field["options"] = (input.required ? ["true", "false"] : ["", "true", "false"]).map { ["value": $0, "selected": $0 == value] as [String: Any] }
                field["select"] = true
            } else if input.type == .list || input.type == .object {
                field["textarea"] = true
                field["hint"] = input.type == .list ? "a JSON list, such as [] or [{\"asset_tag\": \"LT-1\"}]" : "a JSON object"
            } else {
                field["html"] = htmlType(input.type)
                if input.type == .datetime { field["hint"] = "read in the leaver's time zone unless you write an offset (2026-12-04T17:30 or 2026-12-04T17:30:00+01:00)" }
                if input.type == .duration { field["hint"] = "such as 2h, 3d, 1w" }
            }
            return field
        }
    }

    static func htmlType(_ type: InputType) -> String {
        switch type {
        case .email: "email"
        case .int: "number"
        case .date: "date"
        default: "text"
        }
    }

    /// The leaver record: blank fields left out (so defaults apply and a missing required one is named), numbers,
    /// booleans, lists and objects read as such; text as written.
    static func record(for playbook: Playbook, posted: [String: String]) -> [String: JSONValue] {
        var record: [String: JSONValue] = [:]
        for input in playbook.inputs {
            guard let text = posted["in_" + input.name]?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { continue }
            switch input.type {
            case .int: record[input.name] = Int(text).map(JSONValue.int) ?? .string(text)
            case .bool: record[input.name] = text == "true" ? .bool(true) : text == "false" ? .bool(false) : .string(text)
            case .list, .object: record[input.name] = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .string(text)
            default: record[input.name] = .string(text)
            }
        }
        return record
    }
}

/// The dry-run plan as a timeline: what runs when, relative to the leave time, what each handler would do.
enum PlanTimeline {
    static func rows(_ plan: Plan) -> [[String: Any]] {
        plan.steps.map { step in
            var row: [String: Any] = ["id": step.id + (step.item.map { " [\($0)]" } ?? ""), "uses": step.uses, "status": step.status.rawValue,
                                      "runs": step.status == .run || step.status == .conditional]
            if let order = step.order { row["order"] = order }
            if let description = step.description { row["description"] = description }
            if let reason = step.reason { row["reason"] = reason }
            // When only for steps that would run: a skipped or on-failure step has no time of its own.
            if step.status == .run || step.status == .conditional {
                if let at = step.notBefore {
                    row["when"] = at.immediate ? "at once (now is \(at.relative ?? at.utc))" : "\(at.relative ?? at.utc): \(at.local)"
                } else {
                    row["when"] = step.needs.isEmpty ? "at once" : "after \(step.needs.joined(separator: ", "))"
                }
            }
            if let deadline = step.deadline { row["deadline"] = "\(deadline.relative ?? deadline.utc): \(deadline.local)" }
            if let action = step.action {
                row["action"] = action.summary
                row["details"] = action.details
                row["hasDetails"] = !action.details.isEmpty
            } else if let parameters = step.parameters {
                row["action"] = parameters.compactText
            }
            return row
        }
    }
}
