import Foundation
import Hummingbird
import Logging
import OffboardRuntime
import Playbook

/// Tasks across runs, evidence packs, chain verification, tokens, and health.
extension ServerRuntime {
    func tasksRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let caller = try context.requireCaller(), query = request.uri.queryParameters
        var assignee = query.get("assignee")
        if case .task(let own) = caller.role {
            if let assignee, assignee.caseInsensitiveCompare(own) != .orderedSame {
                throw Problem(.forbidden, "forbidden", "This token's role may not do this", detail: "a task:\(own) token sees only \(own)'s tasks")
            }
            assignee = own
        }
        let listing = try await TaskQuery(store: store, registry: registry).open(assignee: assignee, overdue: try Self.flag(query.get("overdue"), name: "overdue"),
                                                                                now: clock.now())
        // The replay error may quote the run's stored values: the log names the run only (`offboard tasks` on the server shows why).
        for (run, _) in listing.unreadable { logger.warning("run \(run) could not be read for the task list (offboard tasks shows why)") }
        return try APIJSON.response(Listing(items: listing.tasks))
    }

    func evidenceRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try context.parameter("id")
        let format = request.uri.queryParameters.get("format") ?? "json"
        guard ["json", "md", "html"].contains(format) else { throw Problem.badRequest("format must be json, md or html") }
        let stored = try await stored(id)
        let document = try Self.evidenceDocument(try await reading.evidence(stored, now: clock.now()), format: format)!
        return APIJSON.text(document.text, contentType: document.contentType)
    }


    /// The pack as `json`, `md` or `html`, with its media type; nil for another format.
    static func evidenceDocument(_ pack: EvidencePack, format: String) throws -> (text: String, contentType: String)? {
        switch format {
        case "md": (pack.markdown(), "text/markdown; charset=utf-8")
        case "html": (pack.html(), "text/html; charset=utf-8")
        case "json": (String(decoding: try APIJSON.encode(pack), as: UTF8.self), "application/json")
        default: nil
        }
    }

    func verifyRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try context.parameter("id")
        _ = try await stored(id)
        let findings = try await ChainAudit(store: store, registry: registry).check([id])
        return try APIJSON.response(findings[0])
    }

    struct TokenBody: RequestBody {
        var name: String
        var role: String
        enum CodingKeys: String, CodingKey, CaseIterable { case name, role }
    }

    struct CreatedToken: Encodable {
        var name: String
        var role: String
        /// Shown once; only its SHA-256 is kept.
        var token: String
    }

    func listTokensRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try APIJSON.response(Listing(items: try await store.listTokens()))
    }

    func createTokenRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await APIJSON.decode(TokenBody.self, from: request, context: context)
        guard let role = APIRole(body.role) else { throw Problem.unprocessable("role must be one of \(APIRole.names.joined(separator: ", "))") }
        do {
            let secret = try await tokens.create(name: body.name, role: role, by: caller.actor, at: clock.now())
            return try APIJSON.response(CreatedToken(name: body.name, role: role.description, token: secret), status: .created)
        } catch let refusal as TokenIssuer.Refusal {
            if case .nameTaken = refusal { throw Problem.conflict(refusal.description) }
            throw Problem.unprocessable(refusal.description)
        }
    }

    func revokeTokenRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let name = try context.parameter("name")
        guard try await store.revokeToken(named: name, at: clock.now(), by: caller.actor) else { throw Problem.notFound("no active token named \(SafeText.terminal(name))") }
        return Response(status: .noContent)
    }

    func healthRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try APIJSON.response(["status": "ok"])
    }

    /// Ready when the store answers.
    func readyRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        do {
            _ = try await store.listRuns(state: nil, limit: 1)
            return try APIJSON.response(["status": "ready"])
        } catch {
            logger.error("readiness: the store does not answer: \(error)")
            throw Problem(.serviceUnavailable, "not-ready", "The run store does not answer")
        }
    }
}
