import Crypto
import Engine
import Foundation
import NIOHTTP1
import Playbook

extension HTTPHandler {
    /// Sends the request with an `Idempotency-Key` header (the step's key, so a receiver can drop a
    /// repeat after a crash), checks the status, and returns `status` plus the `output:` fields.
    public func execute(_ context: ExecutionContext) async throws -> StepOutcome {
        let methodName = context.parameters["method"]?.displayText ?? "POST"
        let method = HTTPMethod(rawValue: methodName)
        guard let urlValue = context.parameters["url"], let url = try context.secrets.reveal(urlValue) else {
            throw HandlerFailure("url is missing", retryable: false)
        }
        try HTTPExchange.checkURL(url, what: "url")
        var headers: [(String, String)] = [("Idempotency-Key", context.idempotencyKey), ("Accept", "application/json"),
                                           ("Offboard-Fencing-Token", String(context.fencingToken))]
        if case .object(let extra)? = context.parameters["headers"] {
            for (name, value) in extra.sorted(by: { $0.key < $1.key }) {
                headers.removeAll { $0.0.lowercased() == name.lowercased() }
                headers.append((name, try context.secrets.reveal(value) ?? ""))
            }
        }
        var body: Data?
        if let value = context.parameters["body"] {
            body = Data(value.jsonText().utf8)
            if !headers.contains(where: { $0.0.lowercased() == "content-type" }) { headers.append(("Content-Type", "application/json")) }
        }
        if case .object(let sign)? = context.parameters["sign"] {
            guard let keyValue = sign["secret"], let key = try context.secrets.reveal(keyValue), !key.isEmpty else {
                throw HandlerFailure("sign.secret is missing", retryable: false)
            }
            let header = sign["header"]?.displayText ?? "X-Signature-256"
            headers.append((header, Self.signature(of: body ?? Data(), key: key)))
        }
        var timeout: TimeInterval = context.timeout ?? 30
        if case .duration(let own)? = context.parameters["timeout"] { timeout = min(timeout, TimeInterval(own.seconds)) }

        let label = "\(methodName) \(Self.redactedQuery(url))"
        let response = try await HTTPExchange.send(method, url, headers: headers, body: body, timeout: timeout, label: label)
        let expected = Self.expectedStatuses(context.parameters["expect"])
        let system = HTTPExchange.hostLabel(of: url)
        let path = URLComponents(string: url)?.path ?? ""
        if Self.expectedStatuses(context.parameters["absent_statuses"])?.contains(response.status) == true {
            return .accessRemoval(.object(["status": .int(response.status)]),
                                  AccessRemoval(.alreadyAbsent, system: system, priorState: "\(methodName) \(path) answered HTTP \(response.status): no such account"))
        }
        guard expected?.contains(response.status) ?? (200..<300).contains(response.status) else {
            let retryable = [408, 425, 429].contains(response.status) || response.status >= 500
            let after = response.retryAfter.map { ", retry after \(Int($0)) s" } ?? ""
            throw HandlerFailure("\(label): HTTP \(response.status)\(after) \(response.snippet(context.secrets))", retryable: retryable)
        }
        // The host names where it went (the evidence shows an escalation by it); never the path or query.
        var output: [String: JSONValue] = ["status": .int(response.status), "host": .string(system)]
        if case .object(let fields)? = context.parameters["output"] {
            let document = try? JSONDecoder().decode(JSONValue.self, from: response.body)
            for (name, pointer) in fields {
                output[name] = JSONPointer.resolve(pointer.displayText ?? "", in: document) ?? .null
            }
        }
        // What an API accepted is all the handler knows; it says exactly that (and it counts only for a
        // step that removes access).
        return .accessRemoval(.object(output), AccessRemoval(.removed, system: system, removed: ["\(methodName) \(path) accepted (HTTP \(response.status))"]))
    }

    /// `sha256=` and the hex HMAC-SHA256 of the body (the form GitHub and many webhook receivers check).
    static func signature(of body: Data, key: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(key.utf8)))
        return "sha256=" + code.lowercaseHex
    }

    static func expectedStatuses(_ value: Value?) -> [Int]? {
        guard case .list(let items)? = value, !items.isEmpty else { return nil }
        return items.compactMap { $0.displayText.flatMap { Int($0) } }
    }

    /// The URL for messages, without its query (webhook URLs often carry a token there).
    static func redactedQuery(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "the URL" }
        if components.query != nil { components.query = "…" }
        components.password = nil
        return components.string ?? "the URL"
    }
}

/// RFC 6901 JSON pointers (`/items/0/id`) into a JSON document.
enum JSONPointer {
    static func resolve(_ pointer: String, in document: JSONValue?) -> JSONValue? {
        guard pointer.hasPrefix("/") || pointer.isEmpty else { return nil }
        var current = document
        for raw in pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let token = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch current {
            case .object(let fields)?: current = fields[token]
            case .array(let items)?: current = Int(token).flatMap { items.indices.contains($0) ? items[$0] : nil }
            default: return nil
            }
        }
        return current
    }
}
