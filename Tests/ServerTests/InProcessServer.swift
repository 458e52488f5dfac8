import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OffboardRuntime
import OffboardServer
import Playbook
import TestServerSupport
import Testing

/// `offboard serve` in this process, for tests of what its routes answer: its runtime over a fresh database and a
/// directory of playbooks (and HR hook mappings), its router driven by Hummingbird's test client (no socket, no child
/// process), and its worker's loop running beside it as a server's does. What needs a real process (signals, faults,
/// slow clients, the browser) stays in OffboardCLITests.
struct InProcessServer: Sendable {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    let runtime: ServerRuntime
    let directory: String
    /// What the server's parts logged (the application and its routes, the worker, the HR hook dispatcher), line by
    /// line; not what a handler logs under a logger of its own (`offboard.postgres`), nor anything on stderr.
    let log = LogCapture()
    /// The database, as `offboard serve --db` would open it.
    var databasePath: String { "\(directory)/runs.sqlite" }

    /// A server over `files` (playbooks as `NAME.yaml`, hook mappings as `NAME.hook.yaml`), with `secrets` by name; with
    /// no files, over the playbooks the repository ships (`Workflows/`), as `offboard serve` serves them by default.
    /// `hooks` names a directory of hook mappings to serve instead of those among `files` (the shipped `Workflows/hooks`,
    /// say); `clock` is the server's (a `ShiftedClock` stands in for `OFFBOARD_NOW`).
    init(files: [String: String] = [:], secrets: [String: String] = [:], hooks: String? = nil, clock: any EngineClock = SystemClock()) throws {
        directory = NSTemporaryDirectory() + "offboard-inprocess-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: "\(directory)/workflows", withIntermediateDirectories: true)
        // `DIR` in a file is this server's scratch directory (where a test's commands leave their marks).
        for (name, text) in files {
            try text.replacingOccurrences(of: "DIR", with: directory).write(toFile: "\(directory)/workflows/\(name)", atomically: true, encoding: .utf8)
        }
        let store = try StoreOpening.open("\(directory)/runs.sqlite"), registry = try HandlerSetup.registry(plugins: nil)
        let workflows = files.keys.contains { !$0.hasSuffix(".hook.yaml") } ? "\(directory)/workflows" : "\(Self.repositoryRoot)/Workflows"
        let catalog = PlaybookCatalog(directory: workflows, registry: registry)
        let hookDirectory = hooks ?? (files.keys.contains { $0.hasSuffix(".hook.yaml") } ? "\(directory)/workflows" : nil)
        let loaded: (mappings: [HookMapping], diagnostics: [Diagnostic]) = hookDirectory.map { HookSetup.load($0, catalog: catalog) } ?? ([], [])
        try #require(!loaded.diagnostics.containsErrors, "\(loaded.diagnostics)")
        let resolver = EnvironmentSecretResolver(environment: Dictionary(uniqueKeysWithValues: secrets.map { ("OFFBOARD_SECRET_\($0.key)", $0.value) }))
        var configuration = WorkerConfiguration(concurrency: 16)
        configuration.submitDrivesRuns = false
        // Assembled as `offboard serve` assembles it: the worker's observer is the metrics `/metrics` reports.
        let metrics = ServerMetrics.bootstrap(), log = self.log
        let logging: @Sendable (String) -> Logger = { label in Logger(label: label) { LogCapture.Handler(label: $0, capture: log) } }
        let process = ProcessAssembly(store: store, registry: registry, secrets: resolver, clock: clock, logging: logging)
        runtime = ServerRuntime(store: store, process: process, catalog: catalog, worker: process.worker(configuration, observer: metrics),
                                logger: logging("offboard.serve"), hooks: loaded.mappings, metrics: metrics)
    }

    /// Runs `body` with a client of the router while the worker's loop (and the HR event dispatcher) run.
    func serving<Result: Sendable>(_ body: @escaping @Sendable (Client) async throws -> Result) async throws -> Result {
        let runtime = self.runtime
        let loop = Task { try await runtime.worker.run(untilIdle: false) }
        let hooks = Task { try await runtime.hookService.run() }
        defer {
            loop.cancel()
            hooks.cancel()
        }
        // The application logs through the server's logger, as `offboard serve`'s does (a failed request, say).
        let app = Application(router: try OffboardServer(runtime: runtime, configuration: ServerConfiguration()).router(), logger: runtime.logger)
        return try await app.test(.router) { client in try await body(Client(client: client)) }
    }

    /// Waits until the HR event an answer (202) points at is acted on; returns its outcome and run.
    static func acted(_ client: Client, _ token: String, _ answer: Answer) async throws -> (outcome: String, run: String?) {
        let location = try #require(answer.headers["location"] ?? answer.headers["Location"], "\(answer.status) \(answer.text)")
        var event: [String: Any] = [:]
        let acted = try await eventually(within: 10, every: 0.01) {
            event = try await client.request(.get, location, token: token).json
            return event["status"] as? String == "acted"
        }
        guard acted else {
            Issue.record("the event at \(location) was never acted on")
            return ("", nil)
        }
        return (event["outcome"] as? String ?? "", event["run"] as? String)
    }

    /// The run's state, once it is `wanted` (or as it is, after 10 s of asking).
    static func state(_ client: Client, _ token: String, _ run: String, until wanted: String? = nil) async throws -> String {
        var state = ""
        _ = try await eventually(within: 10, every: 0.01) {
            state = try await client.request(.get, "/v1/runs/\(run)", token: token).json["state"] as? String ?? ""
            return wanted == nil || state == wanted
        }
        return state
    }

    /// A token for `role`, named `name`, made as `offboard token create` makes it.
    func token(role: String, name: String) async throws -> String {
        try await runtime.tokens.create(name: name, role: try #require(APIRole(role)), by: "test", at: Date())
    }

    /// What a test asks of the router.
    struct Client: Sendable {
        let client: any TestClientProtocol

        func request(_ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: Any? = nil, body: Data? = nil,
                     headers: [String: String] = [:]) async throws -> Answer {
            var fields = HTTPFields()
            if let token { fields[.authorization] = "Bearer \(token)" }
            var payload = body
            if let json, body == nil {
                payload = try JSONSerialization.data(withJSONObject: json)
                fields[.contentType] = "application/json"
            }
            for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
            let response = try await client.executeRequest(uri: path, method: method, headers: fields, body: payload.map { ByteBuffer(bytes: $0) })
            var answerHeaders: [String: String] = [:]
            for field in response.headers { answerHeaders[field.name.canonicalName] = field.value }
            return Answer(status: Int(response.status.code), headers: answerHeaders, body: Data(response.body.readableBytesView))
        }
    }

    struct Answer: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
    }
}
