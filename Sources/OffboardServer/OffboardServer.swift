import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import OffboardRuntime
import ServiceLifecycle
import UnixSignals

/// `offboard serve`: the HTTP API and the worker in one process, one service group. SIGTERM stops taking
/// requests first, then the worker (attempts in flight end and resume with the same idempotency key), losing nothing.
public struct OffboardServer: Sendable {
    public let runtime: ServerRuntime
    public let configuration: ServerConfiguration

    public init(runtime: ServerRuntime, configuration: ServerConfiguration) {
        self.runtime = runtime
        self.configuration = configuration
    }

    /// The router: every route of the table behind the gatekeeper, errors as problems, and the web console.
    public func router() throws -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        if let metrics = runtime.metrics { router.add(middleware: HTTPMetricsMiddleware(metrics: metrics)) }
        router.add(middleware: ProblemMiddleware(routes: runtime.routes))
        router.register(runtime.routes, gatekeeper: Gatekeeper(tokens: runtime.tokens))
        // Cookies are Secure when browsers reach the server over TLS: its own, or a proxy's in front (an https public URL).
        let secure = configuration.tls != nil || configuration.publicURL?.lowercased().hasPrefix("https://") == true
        try Console(runtime: runtime, secureCookies: secure, oidc: configuration.oidc, publicURL: configuration.publicURL).register(on: router)
        return router
    }

    /// The application; `onRunning` hears the port it listens on (useful with port 0).
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        // Slow or broken clients are bounded (`ClientLimits`): connections in all, and time without a request part.
        let address = ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "offboard",
                                               availableConnectionsDelegate: MaximumAvailableConnections(ClientLimits.maxConnections))
        let http1 = HTTPServerBuilder.http1(configuration: .init(idleTimeout: .seconds(ClientLimits.idleTime.components.seconds)))
        let server: HTTPServerBuilder
        if let tls = configuration.tls {
            let certificates = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { NIOSSLCertificateSource.certificate($0) }
            let tlsConfiguration = TLSConfiguration.makeServerConfiguration(certificateChain: certificates, privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.key, format: .pem)))
            server = try .tls(http1, tlsConfiguration: tlsConfiguration)
        } else {
            server = http1
        }
        return Application(router: try router(), server: server, configuration: address,
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
                           logger: runtime.logger)
    }

    /// Runs the server and the worker (and `extra` services, such as retention) until SIGTERM or SIGINT.
    public func run(extra: [any Service] = [], onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let reserved = await configuration.memoryReserve.apply()
        if reserved > 0 {
            runtime.logger.info("keeping \(configuration.memoryReserve.megabytesPerThread) MiB of heap ready on each of \(reserved) serving threads")
        }
        let app = try application(onRunning: onRunning)
        // Shut down in reverse: the HTTP server stops taking requests first, then the worker and the rest.
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = extra.map { .init(service: $0) }
            + [.init(service: WorkerService(worker: runtime.worker)), .init(service: runtime.hookService), .init(service: app)]
        var groupConfiguration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: runtime.logger)
        // Whatever clients do, a stop ends: past this, what is still running is cancelled (attempts resume elsewhere
        // with the same idempotency key, as after any stop).
        groupConfiguration.maximumGracefulShutdownDuration = ClientLimits.stopTime
        let group = ServiceGroup(configuration: groupConfiguration)
        try await group.run()
    }
}
