import Foundation
import Hummingbird
import Logging
import OffboardRuntime
import Playbook

/// What the routes share: the store, the handlers, the playbooks on offer, and the worker running in this process.
public struct ServerRuntime: Sendable {
    public let store: any ServiceStore
    public let registry: HandlerRegistry
    public let catalog: PlaybookCatalog
    public let worker: Worker
    public let secrets: any SecretResolver
    public let clock: any EngineClock
    public let tokens: TokenIssuer
    public let logger: Logger
    /// The HR hook sources, by name, and the service that acts on their recorded events.
    public let hooks: [String: HookMapping]
    public let hookService: HookService
    /// What `/metrics` reports; nil when metrics are not bootstrapped (the route then says so).
    public let metrics: ServerMetrics?
    /// Runs read and replayed against their pinned playbooks.
    public let reading: RunReading

    /// The server over `store` (the process's, which also keeps tokens, HR events and sessions) and the parts `process`
    /// assembled: its handlers, secrets, clock and loggers, and the HR hook dispatcher made from them.
    public init(store: any ServiceStore, process: ProcessAssembly, catalog: PlaybookCatalog, worker: Worker, logger: Logger,
                hooks: [HookMapping] = [], metrics: ServerMetrics? = nil) {
        self.metrics = metrics
        self.hooks = Dictionary(hooks.map { ($0.source, $0) }, uniquingKeysWith: { first, _ in first })
        hookService = process.hookService(store: store, mappings: hooks, catalog: catalog, worker: worker)
        self.store = store
        registry = process.registry
        self.catalog = catalog
        self.worker = worker
        secrets = process.secrets
        clock = process.clock
        tokens = TokenIssuer(store: store)
        self.logger = logger
        reading = RunReading(store: store, registry: process.registry)
    }

    /// The run, or a 404 problem.
    func stored(_ id: String) async throws -> StoredRun {
        guard id.count <= 100, let run = try await store.loadRun(id) else { throw Problem.notFound("no run \(SafeText.terminal(id))") }
        return run
    }

    /// The run replayed, with its pinned playbook, or a 404 problem.
    func replayed(_ id: String) async throws -> ReadRun {
        try reading.replay(try await stored(id))
    }


    func metricsRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        guard let metrics else { throw Problem(.serviceUnavailable, "no-metrics", "Metrics are not collected by this server") }
        return APIJSON.text(try await metrics.scrape(self), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
}
