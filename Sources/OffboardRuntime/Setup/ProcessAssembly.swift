import Engine
import Foundation
import Logging
import Playbook
import ServiceLifecycle

/// One process's parts, put together one way for `offboard serve`, `offboard worker`, and the commands that drive
/// runs themselves (`offboard run`, a person's request): the store, the handlers (built-ins and plugins), the secrets,
/// the clock, the worker over them, and the services beside it (retention; the HR hook dispatcher, for a server).
/// The server adds its own (the API, the console) around what is made here.
public struct ProcessAssembly: Sendable {
    public let store: any RunStore
    public let registry: HandlerRegistry
    public let secrets: any SecretResolver
    public let clock: any EngineClock
    /// The logger of each part, by its label (`offboard.worker`, `offboard.hooks`, `offboard.retention`): the process's
    /// logging system unless a caller (a test that reads what was logged) says otherwise.
    public let logging: @Sendable (String) -> Logger

    public init(store: any RunStore, registry: HandlerRegistry, secrets: any SecretResolver, clock: any EngineClock,
                logging: @escaping @Sendable (String) -> Logger = { Logger(label: $0) }) {
        self.store = store
        self.registry = registry
        self.secrets = secrets
        self.clock = clock
        self.logging = logging
    }

    /// The worker: claims due runs and drives them through the handlers.
    public func worker(_ configuration: WorkerConfiguration = WorkerConfiguration(), observer: (any RunObserver)? = nil,
                       logger: Logger? = nil) -> Worker {
        Worker(store: store, registry: registry, secrets: secrets, clock: clock, configuration: configuration, observer: observer,
               logger: logger ?? logging("offboard.worker"))
    }

    /// The HR hook dispatcher: acts on the events recorded in `store` (a server's, which also keeps them) by the
    /// `mappings`, starting and changing runs through `worker`.
    public func hookService(store: any ServiceStore, mappings: [HookMapping], catalog: PlaybookCatalog, worker: Worker) -> HookService {
        HookService(processor: HookProcessor(store: store, mappings: mappings, catalog: catalog, worker: worker, clock: clock,
                                                   logger: logging("offboard.hooks")))
    }

    /// The services a long-running process runs beside its worker: retention, when a period is set.
    public func services(retention period: PlaybookDuration?) -> [any Service] {
        guard let period else { return [] }
        return [RetentionService(store: store, registry: registry, period: period, clock: clock, logger: logging("offboard.retention"))]
    }
}
