import Foundation
import Hummingbird
import OffboardRuntime
import Playbook

/// Reading runs: the list (with filters), one run's status, its history.
extension ServerRuntime {
    func listRunsRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        // Text that is no whole number is out of the limit's range like 0 is: the filters' one rule refuses both.
        let limit = query.get("limit").map { Int($0) ?? 0 }
        let filters = RunFilters(state: query.get("state"), playbook: query.get("playbook"), leaver: query.get("leaver"),
                                 overdue: try Self.flag(query.get("overdue"), name: "overdue"), since: query.get("since"), until: query.get("until"),
                                 limit: limit)
        return try APIJSON.response(Listing(items: try await runs(filters).map(RunResource.init)))
    }

    /// Runs, newest first, as the API's, the console's and `offboard list`'s filters select them; a filter that cannot
    /// be read is a 400 naming it.
    func runs(_ filters: RunFilters) async throws -> [RunSummary] {
        switch filters.query(now: clock.now()) {
        case .success(let query): return try await store.runs(matching: query)
        case .failure(let refusal): throw Problem.badRequest(refusal.sentence())
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
        return try APIJSON.response(try reading.report(try await stored(try context.parameter("id"))))
    }

    func historyRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let run = try await replayed(try context.parameter("id"))
        return try APIJSON.response(Listing(items: run.journal(revealing: Self.seesPersonalData(try context.requireCaller().role)).map(HistoryLine.init)))
    }

    /// Who sees a leaver's personal values (declared `personal: true`): those who start and run leavers. Others (an
    /// auditor) see the journal as stored, with a token where each value was.
    static func seesPersonalData(_ role: APIRole) -> Bool { role == .hr || role == .operator }
}
