import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The `/_control` endpoints of a test server written for this project (Tests/Servers/graph_server.py,
/// okta_server.py): how a test arranges users and groups and reads back what the server holds and saw. Never part of
/// the API the server stands in for.
public struct TestControl: Sendable {
    public let url: String

    public init(url: String) { self.url = url }

    /// `METHOD /_control/PATH` with a JSON body; the JSON answer, if any.
    public func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        var request = URLRequest(url: URL(string: "\(url)/_control/\(path)")!)
        request.httpMethod = method
        if let body { request.httpBody = try JSONSerialization.data(withJSONObject: body) }
        let (data, _) = try await URLSession.shared.data(for: request)
        return data.isEmpty ? nil : try JSONSerialization.jsonObject(with: data)
    }

    /// The users and groups as the server holds them.
    public func state() async throws -> [String: Any] { try await call("GET", "state") as? [String: Any] ?? [:] }

    /// One user as the server holds it (empty when there is none).
    public func user(_ id: String) async throws -> [String: Any] { ((try await state())["users"] as? [String: Any])?[id] as? [String: Any] ?? [:] }

    /// One group's members.
    public func members(_ group: String) async throws -> [String] {
        (((try await state())["groups"] as? [String: Any])?[group] as? [String: Any])?["members"] as? [String] ?? []
    }
}
