import Engine
import Foundation
import NIOHTTP1
import Playbook

/// Okta's Management API as `okta.*` steps use it: an API token (`Authorization: SSWS …`), requests that wait out
/// Okta's rate limits (`429` with `X-Rate-Limit-Reset`), pages followed by their `Link: rel="next"` on the org's own
/// host, and Okta's error bodies (`errorCode`, `errorSummary`). Errors never show the token.
struct OktaService: Sendable {
    let orgURL: String
    let token: String
    /// The org by its host, for the evidence and messages.
    let system: String
    let secrets: any SecretResolver
    let timeout: TimeInterval
    let clock: any EngineClock

    static let throttleWaits = 3

    init(_ context: ExecutionContext) throws(HandlerFailure) {
        guard let org = try context.parameters["org_url"].flatMap({ value throws(HandlerFailure) in try context.secrets.reveal(value) }), !org.isEmpty else {
            throw HandlerFailure("org_url is missing", retryable: false)
        }
        try HTTPExchange.checkURL(org, what: "org_url")
        let allowPlaintext = context.parameters["allow_plaintext"].map { if case .bool(true) = $0 { true } else { false } } ?? false
        guard allowPlaintext || org.lowercased().hasPrefix("https://") else {
            throw HandlerFailure("org_url must be https:// (the API token would travel unencrypted); say allow_plaintext: true for a test server", retryable: false)
        }
        guard let token = try context.parameters["api_token"].flatMap({ value throws(HandlerFailure) in try context.secrets.reveal(value) }), !token.isEmpty else {
            throw HandlerFailure("api_token is missing", retryable: false)
        }
        orgURL = org.hasSuffix("/") ? String(org.dropLast()) : org
        self.token = token
        system = "Okta " + HTTPExchange.hostLabel(of: org)
        secrets = context.secrets
        if case .duration(let duration)? = context.parameters["timeout"] { timeout = TimeInterval(duration.seconds) } else { timeout = 30 }
        clock = context.clock
    }

    /// A request under `/api/v1` (or a whole next-page URL on the org's host). A refused token fails at once.
    func send(_ method: HTTPMethod, _ path: String) async throws -> HTTPExchange.Response {
        let url: String
        if path.hasPrefix("https://") || path.hasPrefix("http://") {
            guard HTTPExchange.isSameOrigin(path, as: orgURL) else {
                throw HandlerFailure("Okta gave a next page on another host; not followed", retryable: false)
            }
            url = path
        } else {
            url = orgURL + "/api/v1" + path
        }
        let shown = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
        let label = "\(method.rawValue) \(shown)"
        let response = try await HTTPExchange.sendWaitingOutThrottling(method, url, headers: [("Authorization", "SSWS \(token)"), ("Accept", "application/json")],
                                                                     body: nil, timeout: timeout, label: label, clock: clock, waits: Self.throttleWaits)
        if response.status == 401 { throw failure(response, "\(label): the org refused the API token") }
        return response
    }

    /// Okta's error as a failure: `HTTP 403 E0000006: You do not have permission…`.
    func failure(_ response: HTTPExchange.Response, _ what: String) -> HandlerFailure {
        let json = response.json as? [String: Any]
        let code = json?["errorCode"] as? String
        let summary = (json?["errorSummary"] as? String).map { secrets.redact($0) } ?? response.snippet(secrets)
        let causes = (json?["errorCauses"] as? [[String: Any]] ?? []).compactMap { $0["errorSummary"] as? String }.map { secrets.redact($0) }
        return HandlerFailure("\(system): \(what): HTTP \(response.status)\(code.map { " \($0)" } ?? ""): \(summary)"
                              + (causes.isEmpty ? "" : " (\(causes.joined(separator: "; ")))"),
                              retryable: response.status >= 500 || response.status == 429)
    }

    /// Every page of a list (following `Link: rel="next"`).
    func list(_ path: String) async throws -> [[String: Any]] {
        var items: [[String: Any]] = [], next: String? = path, pages = 0
        while let page = next {
            pages += 1
            guard pages <= 1_000 else { throw HandlerFailure("\(system): more than 1,000 pages of \(path)", retryable: false) }
            let response = try await send(.GET, page)
            guard response.status == 200, let list = response.json as? [[String: Any]] else { throw failure(response, "read \(path.split(separator: "?").first ?? "")") }
            items += list
            next = response.nextLink
        }
        return items
    }
}
