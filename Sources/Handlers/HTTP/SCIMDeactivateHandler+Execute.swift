import Engine
import Foundation
import NIOHTTP1
import Playbook

/// A SCIM 2.0 service (RFC 7644) as `scim.deactivate` uses it.
struct SCIMService: Sendable {
    let baseURL: String
    /// The service by its host (no credentials, path or query), for the evidence and messages.
    let system: String
    let token: String
    /// The attempt's resolver: response snippets are scrubbed of what it revealed before they are cut.
    let secrets: any SecretResolver
    let timeout: TimeInterval
    let clock: any EngineClock

    /// How many times a 429 or 503 is waited out (honouring `Retry-After`, at most 30 s each) before
    /// the attempt fails as retryable.
    static let throttleWaits = 3

    init(_ context: ExecutionContext) throws(HandlerFailure) {
        guard let base = try context.parameters["base_url"].flatMap({ value throws(HandlerFailure) in try context.secrets.reveal(value) }) else {
            throw HandlerFailure("base_url is missing", retryable: false)
        }
        try HTTPExchange.checkURL(base, what: "base_url")
        guard let token = try context.parameters["token"].flatMap({ value throws(HandlerFailure) in try context.secrets.reveal(value) }), !token.isEmpty else {
            throw HandlerFailure("token is missing", retryable: false)
        }
        baseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
        system = HTTPExchange.hostLabel(of: base)
        self.token = token
        secrets = context.secrets
        if case .duration(let duration)? = context.parameters["timeout"] { timeout = TimeInterval(duration.seconds) } else { timeout = 30 }
        clock = context.clock
    }

    /// The filter the step names the user by: `userName eq "…"` or `externalId eq "…"`, with the
    /// value escaped as a JSON string (RFC 7644 §3.4.2.2).
    static func filter(_ context: ExecutionContext) throws(HandlerFailure) -> (text: String, description: String) {
        let (attribute, value): (String, String)
        if let name = context.parameters["user_name"]?.displayText {
            (attribute, value) = ("userName", name)
        } else if let id = context.parameters["external_id"]?.displayText {
            (attribute, value) = ("externalId", id)
        } else {
            throw HandlerFailure("give user_name or external_id", retryable: false)
        }
        let data = (try? JSONSerialization.data(withJSONObject: [value], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
        let quoted = String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
        return ("\(attribute) eq \(quoted)", "\(attribute) \(quoted)")
    }

    /// Sends a request, waiting out throttling; 401/403 are fatal.
    func send(_ method: HTTPMethod, path: String, query: [URLQueryItem] = [], body: [String: Any]? = nil) async throws -> HTTPExchange.Response {
        var components = URLComponents(string: baseURL + path)
        if !query.isEmpty { components?.queryItems = query }
        // URLComponents leaves `+` alone in queries; SCIM servers read it as a space.
        let encodedQuery = components?.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        components?.percentEncodedQuery = encodedQuery
        guard let url = components?.string else { throw HandlerFailure("base_url does not make a valid URL", retryable: false) }
        var headers = [("Accept", "application/scim+json"), ("Authorization", "Bearer \(token)")]
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        if data != nil { headers.append(("Content-Type", "application/scim+json")) }
        let label = "\(method.rawValue) \(baseURL)\(path)"
        let response = try await HTTPExchange.sendWaitingOutThrottling(method, url, headers: headers, body: data, timeout: timeout, label: label,
                                                                     clock: clock, waits: Self.throttleWaits)
        guard response.status != 401, response.status != 403 else {
            throw HandlerFailure("\(label): the service refused the token (HTTP \(response.status))", retryable: false)
        }
        return response
    }

    /// The users matching the filter: `(id, active)` of each.
    func find(_ filter: String) async throws -> [(id: String, active: Bool)] {
        let response = try await send(.GET, path: "/Users", query: [URLQueryItem(name: "filter", value: filter)])
        guard response.status == 200, let list = response.json as? [String: Any] else {
            throw HandlerFailure("GET \(baseURL)/Users: HTTP \(response.status) \(response.snippet(secrets))", retryable: response.status >= 500)
        }
        let resources = list["Resources"] as? [[String: Any]] ?? []
        return resources.compactMap { user in
            guard let id = user["id"] as? String else { return nil }
            return (id, user["active"] as? Bool ?? true)
        }
    }
}

extension SCIMDeactivateHandler {
    public func execute(_ context: ExecutionContext) async throws -> StepOutcome {
        let service = try SCIMService(context)
        let filter = try SCIMService.filter(context)
        let delete = context.parameters["action"]?.displayText == "delete"
        let users = try await service.find(filter.text)
        guard users.count <= 1 else {
            throw HandlerFailure("\(users.count) SCIM users match \(filter.description); refusing to guess", retryable: false)
        }
        guard let user = users.first else {
            return .accessRemoval(.object(["filter": .string(filter.text), "state": "absent"]),
                                  AccessRemoval(.alreadyAbsent, system: service.system, priorState: "no SCIM user with \(filter.description)"))
        }
        let response: HTTPExchange.Response
        if delete {
            response = try await service.send(.DELETE, path: "/Users/\(Self.pathSegment(user.id))")
        } else if !user.active {
            return .accessRemoval(.object(["id": .string(user.id), "state": "inactive", "was_active": false]),
                                  AccessRemoval(.alreadyAbsent, system: service.system, priorState: "SCIM user \(user.id) was already inactive"))
        } else {
            response = try await service.send(.PATCH, path: "/Users/\(Self.pathSegment(user.id))", body: [
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [["op": "replace", "path": "active", "value": false]],
            ])
        }
        switch response.status {
        case 200, 204:
            let prior = "SCIM user \(user.id) (\(filter.description)) was \(user.active ? "active" : "inactive")"
            return .accessRemoval(.object(["id": .string(user.id), "state": delete ? "deleted" : "inactive", "was_active": .bool(user.active)]),
                                  AccessRemoval(.removed, system: service.system, removed: [delete ? "account deleted" : "account deactivated (active: false)"],
                                                priorState: prior))
        case 404:
            return .accessRemoval(.object(["id": .string(user.id), "state": "absent"]),
                                  AccessRemoval(.alreadyAbsent, system: service.system, priorState: "SCIM user \(user.id) was gone when removed"))
        default:
            throw HandlerFailure("\(delete ? "DELETE" : "PATCH") \(service.baseURL)/Users/\(user.id): HTTP \(response.status) \(response.snippet(service.secrets))",
                                 retryable: response.status >= 500 || response.status == 409)
        }
    }

    /// Reads the user back: gone, or `active` false.
    public func verify(_ context: ExecutionContext) async throws -> VerificationResult? {
        let service = try SCIMService(context)
        let filter = try SCIMService.filter(context)
        let users = try await service.find(filter.text)
        let serviceURL = service.system
        if users.isEmpty { return VerificationResult(holds: true, detail: "no SCIM user with \(filter.description) at \(serviceURL)") }
        let active = users.filter(\.active)
        if active.isEmpty {
            return VerificationResult(holds: true, detail: "SCIM user \(users.map(\.id).joined(separator: ", ")) at \(serviceURL) is inactive")
        }
        return VerificationResult(holds: false, detail: "SCIM user \(active.map(\.id).joined(separator: ", ")) at \(serviceURL) is still active")
    }

    /// A user id as one path segment.
    static func pathSegment(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? id
    }
}
