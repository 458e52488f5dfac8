import Engine
import Foundation
import Handlers
import Logging
import Playbook
import PostgresNIO
import SQLiteStore
import Testing

/// The real servers `scripts/test.sh` starts (scripts/test-servers.sh), found through the environment.
enum TestServers {
    static let environment = ProcessInfo.processInfo.environment
    static let repositoryRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// A superuser URL of the throwaway PostgreSQL cluster.
    static func postgresURL() throws -> String {
        try #require(environment["OFFBOARD_TEST_PG_URL"], "no test PostgreSQL: run the suite with ./scripts/test.sh")
    }

    static func scim() throws -> (url: String, token: String) {
        let url = try #require(environment["OFFBOARD_TEST_SCIM_URL"], "no test SCIM server: run the suite with ./scripts/test.sh")
        return (url, try #require(environment["OFFBOARD_TEST_SCIM_TOKEN"]))
    }

    /// Opens a session to the test cluster as `user`.
    static func connect(user: String, password: String?, database: String = "postgres") async throws -> PostgresConnection {
        let port = Int(environment["OFFBOARD_TEST_PG_PORT"] ?? "") ?? 5432
        let configuration = PostgresConnection.Configuration(host: "127.0.0.1", port: port, username: user, password: password,
                                                             database: database, tls: .disable)
        return try await PostgresConnection.connect(configuration: configuration, id: Int.random(in: 1...1_000_000), logger: Logger(label: "test"))
    }

    /// The superuser's password, from the URL.
    static func adminPassword() throws -> String? { URLComponents(string: try postgresURL())?.password }

    static func admin() async throws -> PostgresConnection { try await connect(user: "postgres", password: try adminPassword()) }
}

/// A playbook in a scratch directory, run by a real worker on a real SQLite file.
struct PlaybookRun {
    let directory: String
    let store: SQLiteRunStore
    let playbook: Playbook
    let secrets: [String: String]

    init(_ yaml: String, secrets: [String: String]) throws {
        let directory = NSTemporaryDirectory() + "offboard-handlers-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try yaml.write(toFile: "\(directory)/playbook.yaml", atomically: true, encoding: .utf8)
        try self.init(path: "\(directory)/playbook.yaml", secrets: secrets)
    }

    /// A playbook file as it is (a shipped one, with its `extends` and `include`).
    init(path: String, secrets: [String: String]) throws {
        directory = NSTemporaryDirectory() + "offboard-handlers-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let result = PlaybookLoader(catalog: BuiltInHandlers.registry()).load(path: path)
        guard let playbook = result.playbook else { throw DiagnosticsError(result.diagnostics) }
        self.playbook = playbook
        self.secrets = secrets
        store = try SQLiteRunStore(path: "\(directory)/runs.sqlite")
    }

    /// Starts a run with these inputs and drives it to its end.
    var resolver: EnvironmentSecretResolver {
        EnvironmentSecretResolver(environment: secrets.reduce(into: [:]) { $0["OFFBOARD_SECRET_\($1.key)"] = $1.value })
    }

    func run(_ inputs: [(String, String)], record: YAMLNode? = nil) async throws -> RunReport {
        let bound = try InputBinder.bind(playbook, record: record, overrides: inputs.map { (name: $0.0, value: $0.1) })
        let id = try await RunStarter(store: store).start(playbook, inputs: bound, key: nil, by: "test").id
        _ = try await Worker(store: store, registry: BuiltInHandlers.registry(), secrets: resolver,
                             configuration: WorkerConfiguration(leaseDuration: 30, requestPollInterval: 0.1, pollInterval: 0.1)).drive(runID: id)
        let stored = try #require(try await store.loadRun(id))
        return try RunReport.make(stored, playbook: playbook)
    }

    /// Every journal entry and status field of the run, as text (for "the secret appears nowhere" checks).
    func everythingStored(_ id: String) async throws -> String {
        let stored = try #require(try await store.loadRun(id))
        let encoder = JSONEncoder()
        let report = try RunReport.make(stored, playbook: playbook)
        return String(decoding: try encoder.encode(report), as: UTF8.self)
            + stored.journal.map { String(decoding: (try? encoder.encode($0.event)) ?? Data(), as: UTF8.self) }.joined()
    }
}
