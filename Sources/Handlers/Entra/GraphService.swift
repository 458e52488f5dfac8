import Engine
import Foundation
import NIOHTTP1
import Playbook

/// Microsoft Graph as `entra.*` steps use it: an app-only token from the identity platform (OAuth 2.0 client
/// credentials), then Graph v1.0 requests that wait out throttling (`429`/`503` with `Retry-After`) and read Graph's
/// error bodies. Errors name the request and Graph's error code, never the token or the client secret.
struct GraphService: Sendable {
    let graphURL: String
    let loginURL: String
    let tenant: String
    let clientID: String
    let clientSecret: String
    /// Graph by its host, for the evidence and messages.
    let system: String
    let secrets: any SecretResolver
    let timeout: TimeInterval
    let clock: any EngineClock

    /// How many times a 429 or 503 is waited out (honouring `Retry-After`, at most 30 s each) before the attempt fails
    /// as retryable, as Graph's throttling guidance asks.
    static let throttleWaits = 3
    static let defaultGraph = "https://graph.microsoft.com/v1.0"
    static let defaultLogin = "https://login.microsoftonline.com"

    init(_ context: ExecutionContext) throws(HandlerFailure) {
        func revealed(_ name: String) throws(HandlerFailure) -> String {
            guard let text = try context.parameters[name].flatMap({ value throws(HandlerFailure) in try context.secrets.reveal(value) }), !text.isEmpty else {
                throw HandlerFailure("\(name) is missing", retryable: false)
            }
            return text
        }
        tenant = try revealed("tenant_id")
        clientID = try revealed("client_id")
        clientSecret = try revealed("client_secret")
        guard tenant.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-.".contains($0)) }) else {
            throw HandlerFailure("tenant_id must be a tenant id or domain name", retryable: false)
        }
        let graph = context.parameters["graph_url"]?.displayText ?? Self.defaultGraph
        let login = context.parameters["login_url"]?.displayText ?? Self.defaultLogin
        try HTTPExchange.checkURL(graph, what: "graph_url")
        try HTTPExchange.checkURL(login, what: "login_url")
        let allowPlaintext = context.parameters["allow_plaintext"].map { if case .bool(true) = $0 { true } else { false } } ?? false
        if !allowPlaintext, !graph.lowercased().hasPrefix("https://") || !login.lowercased().hasPrefix("https://") {
            throw HandlerFailure("graph_url and login_url must be https:// (the client secret and the token would travel unencrypted); say allow_plaintext: true for a test server",
                                 retryable: false)
        }
        graphURL = graph.hasSuffix("/") ? String(graph.dropLast()) : graph
        loginURL = login.hasSuffix("/") ? String(login.dropLast()) : login
        system = "Microsoft Graph " + HTTPExchange.hostLabel(of: graph)
        secrets = context.secrets
        if case .duration(let duration)? = context.parameters["timeout"] { timeout = TimeInterval(duration.seconds) } else { timeout = 30 }
        clock = context.clock
    }

    /// An app-only access token. A refused client (a wrong or expired secret, an unknown app) fails the step at once,
    /// with the identity platform's AADSTS code and words.
    func token() async throws -> String {
        var form = URLComponents()
        form.queryItems = [URLQueryItem(name: "grant_type", value: "client_credentials"), URLQueryItem(name: "client_id", value: clientID),
                           URLQueryItem(name: "client_secret", value: clientSecret), URLQueryItem(name: "scope", value: "https://graph.microsoft.com/.default")]
        let body = Data((form.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B").utf8)
        let url = "\(loginURL)/\(tenant)/oauth2/v2.0/token"
        let label = "POST \(loginURL)/\(tenant)/oauth2/v2.0/token"
        let response = try await exchange(.POST, url, headers: [("Content-Type", "application/x-www-form-urlencoded")], body: body, label: label)
        let json = response.json as? [String: Any]
        guard response.status == 200, let token = json?["access_token"] as? String, !token.isEmpty else {
            let description = secrets.redact((json?["error_description"] as? String ?? response.snippet(secrets)).components(separatedBy: "\r\n").first ?? "")
            let expired = description.hasPrefix("AADSTS7000222")
            throw HandlerFailure("\(label): the identity platform refused the app (HTTP \(response.status)\((json?["error"] as? String).map { ", \($0)" } ?? "")): \(description)"
                                 + (expired ? " (create a new client secret and update the one offboard reads)" : ""),
                                 retryable: response.status >= 500)
        }
        return token
    }

    /// A Graph request with the token; `path` is under the Graph URL (`/users/…`), or a whole `@odata.nextLink` on
    /// the same host.
    func send(_ method: HTTPMethod, _ path: String, token: String, json body: [String: Any]? = nil) async throws -> HTTPExchange.Response {
        let url: String
        if path.hasPrefix("https://") || path.hasPrefix("http://") {
            // A next page: followed only on Graph's own host, so the token never goes anywhere else.
            guard HTTPExchange.isSameOrigin(path, as: graphURL) else {
                throw HandlerFailure("Graph gave a next page on another host; not followed", retryable: false)
            }
            url = path
        } else {
            url = graphURL + path
        }
        var headers = [("Authorization", "Bearer \(token)"), ("Accept", "application/json")]
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        if data != nil { headers.append(("Content-Type", "application/json")) }
        let shown = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
        return try await exchange(method, url, headers: headers, body: data, label: "\(method.rawValue) \(shown)")
    }

    /// Sends a request, waiting out throttling.
    private func exchange(_ method: HTTPMethod, _ url: String, headers: [(String, String)], body: Data?, label: String) async throws -> HTTPExchange.Response {
        try await HTTPExchange.sendWaitingOutThrottling(method, url, headers: headers, body: body, timeout: timeout, label: label, clock: clock,
                                                        waits: Self.throttleWaits)
    }

    /// Graph's error as a failure: `HTTP 403 Authorization_RequestDenied: Insufficient privileges…`.
    func failure(_ response: HTTPExchange.Response, _ what: String) -> HandlerFailure {
        let error = (response.json as? [String: Any])?["error"] as? [String: Any]
        let code = error?["code"] as? String
        let message = (error?["message"] as? String).map { secrets.redact($0) } ?? response.snippet(secrets)
        return HandlerFailure("\(system): \(what): HTTP \(response.status)\(code.map { " \($0)" } ?? ""): \(message)",
                              retryable: response.status >= 500 || response.status == 429)
    }

    /// Every page of a collection (following `@odata.nextLink`).
    func collection(_ path: String, token: String) async throws -> [[String: Any]] {
        var items: [[String: Any]] = [], next: String? = path, pages = 0
        while let page = next {
            pages += 1
            guard pages <= 1_000 else { throw HandlerFailure("\(system): more than 1,000 pages of \(path.split(separator: "?").first ?? "")", retryable: false) }
            let response = try await send(.GET, page, token: token)
            // A page without its list is not an empty page: the step would say "in no group" of groups it never saw.
            guard response.status == 200, let json = response.json as? [String: Any], let value = json["value"] as? [[String: Any]] else {
                throw failure(response, "read \(path.split(separator: "?").first ?? "")")
            }
            items += value
            next = json["@odata.nextLink"] as? String
        }
        return items
    }

    /// A value inside an OData string literal (`'` doubled), then percent-encoded with the rest of the query.
    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
}
