import Engine
import Foundation
import Hummingbird
import OffboardRuntime
import Playbook

/// Reading runs: the list (with filters), one run's status, its history.
extension ServerRuntime {
    func listRunsRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        var state: RunState?
        if let text = query.get("state") {
            guard let parsed = RunState(rawValue: text) else {
                throw Problem.badRequest("state must be one of \(RunState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            state = parsed
        }
        let limit = try query.get("limit").map { text -> Int in
            guard let value = Int(text), (1...1000).contains(value) else { throw Problem.badRequest("limit must be a whole number from 1 to 1000") }
            return value
        } ?? 100
        let overdue = try Self.flag(query.get("overdue"), name: "overdue")
        let runs = try await runs(state: state, playbook: query.get("playbook"), leaver: query.get("leaver"), overdue: overdue, limit: limit)
        return try APIJSON.response(Listing(items: runs.map(RunResource.init)))
    }

    /// Runs, newest first, filtered as the API's and the console's lists are: by state, playbook, leaver (employee
    /// id or email) and having an overdue step.
    func runs(state: RunState?, playbook: String?, leaver: String?, overdue: Bool, limit: Int) async throws -> [RunSummary] {
        let needsRuns = overdue || leaver != nil
        var runs: [RunSummary] = []
        for summary in try await store.listRuns(state: state, limit: needsRuns || playbook != nil ? Int(Int32.max) : limit) {
            if runs.count >= limit { break }
            if let playbook, summary.playbookName != playbook { continue }
            if needsRuns {
                guard let stored = try await store.loadRun(summary.id) else { continue }
                if let leaver, !Self.isAbout(stored, leaver: leaver) { continue }
                if overdue {
                    let report = try? RunReport.make(stored, playbook: try playbooks.playbook(for: stored))
                    guard report?.steps.contains(where: \.overdue) == true else { continue }
                }
            }
            runs.append(summary)
        }
        return runs
    }

    /// True when the run's `employee_id` or `email` input is `leaver` (ignoring case).
    static func isAbout(_ stored: StoredRun, leaver: String) -> Bool {
        guard case .object(let inputs) = stored.inputs else { return false }
        return ["employee_id", "email"].contains { name in
            if case .string(let value)? = inputs[name] { return value.caseInsensitiveCompare(leaver) == .orderedSame }
            return false
        }
    }

    static func flag(_ text: String?, name: String) throws -> Bool {
        switch text {
        case nil, "false", "0": return false
        case "true", "1": return true
        default: throw Problem.badRequest("\(name) must be true or false")
        }
    }

    func getRunRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let (stored, playbook, _) = try await replayed(try context.parameter("id"))
        return try APIJSON.response(try RunReport.make(stored, playbook: playbook, removesAccess: removesAccess))
    }

    func historyRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let (stored, playbook, _) = try await replayed(try context.parameter("id"))
        return try APIJSON.response(Listing(items: Self.history(stored, playbook: playbook, revealing: Self.seesPersonalData(try context.requireCaller().role))
            .map(HistoryLine.init)))
    }

    /// Who sees a leaver's personal values (declared `personal: true`): those who start and run leavers. Others (an
    /// auditor) see the journal as stored, with a token where each value was.
    static func seesPersonalData(_ role: APIRole) -> Bool { role == .hr || role == .operator }

    static func history(_ stored: StoredRun, playbook: Playbook, revealing: Bool) -> [JournalEntry] {
        revealing ? RunCore.revealedJournal(stored, playbook: playbook) : stored.journal
    }
}
