import Crypto
import Engine
import Foundation
import Logging
import NIOSSL
import Playbook
import PostgresNIO
import Synchronization

/// A PostgreSQL server reached from a connection URL
/// (`postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=disable|require|verify-full&max_connections=4`).
///
/// The URL usually comes from a secret: nothing here ever puts the password in a message.
struct PostgresTarget: Sendable {
    let host: String
    let port: Int
    let username: String
    let password: String?
    let database: String
    let sslMode: String
    /// How many connections this process keeps open to the target at most (`max_connections`, default 4).
    let maxConnections: Int

    /// What makes two steps' connections interchangeable: the same server, database, credentials, TLS mode and
    /// bound. It holds the password's SHA-256, not the password, and describes itself without either.
    struct PoolKey: Hashable, Sendable, CustomStringConvertible {
        let host: String, port: Int, username: String, passwordSHA256: String?, database: String, sslMode: String, maxConnections: Int

        var description: String { "\(host):\(port)/\(database)" }
    }

    let poolKey: PoolKey

    /// Parsed URLs by their text: every step parses its connection URL once for the change and again for the check.
    /// (Memory only, like the secret values the steps resolve; a rotated URL's entry goes when the cache is cleared.)
    private static let parsed = Mutex<[String: PostgresTarget]>([:])

    /// The target a URL names, parsed once per process (up to 256 URLs kept).
    static func named(by url: String) throws(HandlerFailure) -> PostgresTarget {
        if let known = parsed.withLock({ $0[url] }) { return known }
        let target = try PostgresTarget(url: url)
        parsed.withLock { cache in
            if cache.count >= 256 { cache.removeAll() }
            cache[url] = target
        }
        return target
    }

    /// Parses the URL; the error names what is wrong, never the URL itself.
    init(url text: String) throws(HandlerFailure) {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
              ["postgres", "postgresql"].contains(scheme.lowercased()) else {
            throw HandlerFailure("connection is not a postgres:// URL", retryable: false)
        }
        guard let host = components.host, !host.isEmpty else { throw HandlerFailure("connection URL has no host", retryable: false) }
        guard let user = components.user, !user.isEmpty else { throw HandlerFailure("connection URL has no user", retryable: false) }
        self.host = host
        port = components.port ?? 5432
        username = user.removingPercentEncoding ?? user
        password = components.password.map { $0.removingPercentEncoding ?? $0 }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? username : path
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        guard ["disable", "prefer", "require", "verify-ca", "verify-full"].contains(mode) else {
            throw HandlerFailure("connection URL: sslmode must be disable, prefer, require, verify-ca or verify-full, not '\(mode)'", retryable: false)
        }
        sslMode = mode
        let limit = components.queryItems?.first { $0.name == "max_connections" }?.value ?? "4"
        guard let maxConnections = Int(limit), (1...100).contains(maxConnections) else {
            // (without the value: the URL is a secret)
            throw HandlerFailure("connection URL: max_connections must be a whole number from 1 to 100", retryable: false)
        }
        self.maxConnections = maxConnections
        poolKey = PoolKey(host: host, port: port, username: username,
                          passwordSHA256: password.map { Array(SHA256.hash(data: Data($0.utf8))).lowercaseHex },
                          database: database, sslMode: sslMode, maxConnections: maxConnections)
    }

    /// `host:port/database`: how messages and the evidence name the target. No part of the URL's user
    /// information: it is part of a secret.
    var label: String { "\(host):\(port)/\(database)" }

    /// Opens a connection; failures to reach the server are retryable, refused logins are not.
    func connect(logger: Logger) async throws -> PostgresConnection {
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch sslMode {
            case "disable": tls = .disable
            case "verify-ca", "verify-full":
                var configuration = TLSConfiguration.makeClientConfiguration()
                if sslMode == "verify-ca" { configuration.certificateVerification = .noHostnameVerification }
                tls = .require(try NIOSSLContext(configuration: configuration))
            default:
                var configuration = TLSConfiguration.makeClientConfiguration()
                configuration.certificateVerification = .none
                let context = try NIOSSLContext(configuration: configuration)
                tls = sslMode == "require" ? .require(context) : .prefer(context)
            }
        } catch {
            throw HandlerFailure("cannot set up TLS for \(label)", retryable: false)
        }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: username, password: password,
                                                             database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch {
            throw Self.failure(error, doing: "connect to \(label)")
        }
    }

    /// A handler failure for a PostgreSQL error: the server's SQLSTATE and message (which never
    /// contain the password), retryable when the server was unreachable or went away.
    static func failure(_ error: any Error, doing action: String) -> HandlerFailure {
        if let failure = error as? HandlerFailure { return failure }
        guard let error = error as? PSQLError else { return HandlerFailure("cannot \(action): \(type(of: error))", retryable: true) }
        if let info = error.serverInfo {
            let state = info[.sqlState] ?? "?"
            let message = info[.message] ?? "server error"
            // 08xxx connection, 40xxx rollback (serialization, deadlock), 53xxx resources, 57P0x shutdown.
            let retryable = ["08", "40", "53", "57"].contains(String(state.prefix(2))) && state != "57014"
            return HandlerFailure("cannot \(action): \(message) (SQLSTATE \(state))", retryable: retryable)
        }
        switch error.code {
        case .connectionError, .serverClosedConnection, .queryCancelled:
            return HandlerFailure("cannot \(action): the server is unreachable or closed the connection", retryable: true)
        default:
            return HandlerFailure("cannot \(action): \(error.code)", retryable: true)
        }
    }
}

/// PostgreSQL identifier quoting: `x"y` becomes `"x""y"`, so any role name is a name, never SQL.
enum PostgresIdentifier {
    static func quoted(_ name: String) throws(HandlerFailure) -> String {
        guard !name.isEmpty, !name.utf8.contains(0) else { throw HandlerFailure("role name is empty or contains a NUL byte", retryable: false) }
        return "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
