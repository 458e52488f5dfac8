import Engine
import Foundation
import Handlers
import Logging
import Playbook
import PostgresNIO
import SQLiteStore
import Testing

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
        let registry = BuiltInHandlers.registry()
        return try RunReport.make(stored, playbook: playbook, removesAccess: { registry.handler(for: $0)?.removesAccess ?? false })
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
