import Foundation
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import PostgresNIO

/// A real server the tests need is not running: the suite runs through ./scripts/test.sh.
public struct TestServerMissing: Error, CustomStringConvertible {
    public var description: String
}

/// The real servers `scripts/test.sh` starts (scripts/test-servers.sh), found through the
/// environment; shared by the handler tests and the command-line end-to-end tests.
public enum TestServers {
    public static let environment = ProcessInfo.processInfo.environment
    public static let repositoryRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    public static func required(_ name: String, _ what: String) throws -> String {
        guard let value = environment[name], !value.isEmpty else {
            throw TestServerMissing(description: "no test \(what) (\(name) is unset): run the suite with ./scripts/test.sh")
        }
        return value
    }

    /// A superuser URL of the throwaway PostgreSQL cluster.
    public static func postgresURL() throws -> String { try required("OFFBOARD_TEST_PG_URL", "PostgreSQL") }

    public static func scim() throws -> (url: String, token: String) {
        (try required("OFFBOARD_TEST_SCIM_URL", "SCIM server"), try required("OFFBOARD_TEST_SCIM_TOKEN", "SCIM token"))
    }

    /// The HTTP echo server's base URL.
    public static func httpURL() throws -> String { try required("OFFBOARD_TEST_HTTP_URL", "HTTP server") }

    /// Opens a session to the test cluster as `user`.
    public static func connect(user: String, password: String?, database: String = "postgres") async throws -> PostgresConnection {
        let port = Int(environment["OFFBOARD_TEST_PG_PORT"] ?? "") ?? 5432
        let configuration = PostgresConnection.Configuration(host: "127.0.0.1", port: port, username: user, password: password,
                                                             database: database, tls: .disable)
        return try await PostgresConnection.connect(configuration: configuration, id: Int.random(in: 1...1_000_000), logger: Logger(label: "test"))
    }

    /// The superuser's password, from the URL.
    public static func adminPassword() throws -> String? { URLComponents(string: try postgresURL())?.password }

    public static func admin() async throws -> PostgresConnection { try await connect(user: "postgres", password: try adminPassword()) }

    /// Creates an active SCIM user and returns its id.
    public static func createSCIMUser(_ userName: String) async throws -> String {
        let (url, token) = try scim()
        var request = URLRequest(url: URL(string: "\(url)/Users")!)
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/scim+json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: [
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": userName, "active": true,
        ])
        let (data, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 201,
              let id = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["id"] as? String else {
            throw TestServerMissing(description: "the SCIM server did not create \(userName): \(String(decoding: data, as: UTF8.self))")
        }
        return id
    }

    /// The SCIM user as the server has it now (nil when gone).
    public static func scimUser(_ id: String) async throws -> [String: Any]? {
        let (url, token) = try scim()
        var request = URLRequest(url: URL(string: "\(url)/Users/\(id)")!)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        if (response as? HTTPURLResponse)?.statusCode == 404 { return nil }
        return try JSONSerialization.jsonObject(with: data) as? [String: Any]
    }
}

extension TestServers {
    /// A loopback port nothing listens on: bound to find a free one, then closed again.
    public static func closedLoopbackPort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw TestServerMissing(description: "cannot find a free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
