import ArgumentParser
import Foundation
import Logging
import OffboardRuntime
import OffboardServer
import Playbook
import ServiceLifecycle

extension Offboard {
    /// `offboard serve`: the HTTP API, with the worker in the same process.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the HTTP API that HR systems and people use, with a worker in the same process.",
            discussion: """
                Routes live under /v1 (the contract is openapi.yaml in the repository); /healthz and /readyz \
                answer without a token. Every other route needs `Authorization: Bearer <token>` from \
                `offboard token create`, with a role the route admits; changes are journaled with the token's \
                name as the actor. `offboard worker` may run beside it on the same database.

                Plain HTTP is served only on a loopback address unless --insecure-http says a TLS-terminating \
                proxy is in front; give --tls-certificate and --tls-key to serve TLS itself. SIGTERM or SIGINT \
                stops taking requests, then stops the worker: attempts in flight end and resume with the same \
                idempotency key, nothing is lost. These options also read an environment variable (for a \
                systemd EnvironmentFile); an option given wins (--insecure-http, a flag, can only turn it on): OFFBOARD_HOST, OFFBOARD_PORT, OFFBOARD_TLS_CERTIFICATE, \
                OFFBOARD_TLS_KEY, OFFBOARD_INSECURE_HTTP (true or false, yes or no, 1 or 0), OFFBOARD_HOOKS, OFFBOARD_CONCURRENCY, OFFBOARD_DB, \
                OFFBOARD_WORKFLOWS, OFFBOARD_SECRETS_DIR, OFFBOARD_RETENTION, OFFBOARD_OIDC_ISSUER, OFFBOARD_OIDC_CLIENT_ID, \
                OFFBOARD_OIDC_ROLES_CLAIM, OFFBOARD_OIDC_ROLES, OFFBOARD_PUBLIC_URL, OFFBOARD_MEMORY_RESERVE. The playbook \
                limits (--max-*) are options only.

                The web console is at /console: people sign in with an API token, or with the identity provider \
                given by --oidc-issuer (OpenID Connect, code flow with PKCE), whose groups claim maps to roles \
                (--oidc-role GROUP=ROLE). Each page needs the role the API would need for the same thing.

                HR systems post to /v1/hooks/<hook>, one *.hook.yaml mapping per source in --hooks: it names the \
                verification scheme (bamboohr, hibob, deel, standard-webhooks, bearer), the shared secret and how \
                an event becomes a leaver run. A delivery is verified, checked to be JSON the mapping can read (else 400), \
                recorded, answered 202, then acted on.

                Examples:
                  offboard serve
                  offboard serve --host 0.0.0.0 --port 8443 --tls-certificate /etc/offboard/cert.pem --tls-key /etc/offboard/key.pem
                  offboard serve --host 10.0.0.5 --insecure-http      # behind nginx terminating TLS
                  offboard serve --oidc-issuer https://login.example.com --oidc-client-id offboard \
                      --oidc-role offboard-hr=hr --oidc-role offboard-facilities=task:facilities --public-url https://offboard.example.com

                Exit codes: 0 stopped; 1 a hook mapping has errors (printed as file:line:col); 64 refused configuration (plain HTTP on a reachable \
                address, or an option or OFFBOARD_* value out of range); \
                69 the run database cannot be opened.
                """
        )

        @Option(help: ArgumentHelp("Address to listen on (default: env OFFBOARD_HOST, else 127.0.0.1).", valueName: "address"))
        var host: String?

        @Option(help: ArgumentHelp("Port to listen on; 0 picks a free one (default: env OFFBOARD_PORT, else 8080).", valueName: "port"))
        var port: Int?

        @Option(name: .customLong("tls-certificate"), help: ArgumentHelp("PEM certificate chain: serve TLS (default: env OFFBOARD_TLS_CERTIFICATE).", valueName: "file"))
        var tlsCertificate: String?

        @Option(name: .customLong("tls-key"), help: ArgumentHelp("PEM private key for --tls-certificate (default: env OFFBOARD_TLS_KEY).", valueName: "file"))
        var tlsKey: String?

        @Option(help: ArgumentHelp("Directory of HR hook mappings, *.hook.yaml, served at /v1/hooks/<hook> (default: env OFFBOARD_HOOKS).",
                                   valueName: "dir"))
        var hooks: String?

        @Flag(name: .customLong("insecure-http"),
              help: "Serve plain HTTP on a non-loopback address (a TLS-terminating proxy is in front; default: env OFFBOARD_INSECURE_HTTP=true).")
        var insecureHTTP = false

        @Option(help: ArgumentHelp("Runs the worker drives at once (default: env OFFBOARD_CONCURRENCY, else \(WorkerConfiguration.defaultConcurrency)).",
                                   valueName: "n"))
        var concurrency: Int?

        @Option(name: .customLong("oidc-issuer"), help: ArgumentHelp("The identity provider people sign in to the console with (OpenID Connect; default: env OFFBOARD_OIDC_ISSUER). Its client secret is the secret OIDC_CLIENT_SECRET, when it has one.", valueName: "url"))
        var oidcIssuer: String?

        @Option(name: .customLong("oidc-client-id"), help: ArgumentHelp("This console's client id at the identity provider (default: env OFFBOARD_OIDC_CLIENT_ID).", valueName: "id"))
        var oidcClientID: String?

        @Option(name: .customLong("oidc-roles-claim"), help: ArgumentHelp("The ID token claim listing the person's groups or roles (default: env OFFBOARD_OIDC_ROLES_CLAIM, else groups).", valueName: "claim"))
        var oidcRolesClaim: String?

        @Option(name: .customLong("oidc-role"), help: ArgumentHelp("A group in that claim and the offboard role it gives, such as offboard-facilities=task:facilities; repeat for more (default: env OFFBOARD_OIDC_ROLES, comma-separated). Needed with --oidc-issuer: a group not named gives nothing.", valueName: "group=role"))
        var oidcRoles: [String] = []

        @Option(name: .customLong("public-url"), help: ArgumentHelp("The address browsers reach this server at, for the identity provider's redirect back (default: env OFFBOARD_PUBLIC_URL, else the request's own address).", valueName: "url"))
        var publicURL: String?

        @Option(help: ArgumentHelp("Purge the personal data of runs finished longer ago than this, at start and hourly (default: env OFFBOARD_RETENTION).",
                                   valueName: "duration"))
        var retention: String?

        @Option(name: .customLong("memory-reserve"), help: ArgumentHelp("MiB of heap each thread that serves requests grows and keeps ready at start, so the first burst of requests after a start faults in less fresh memory; 0–\(MemoryReserve.maximumMegabytesPerThread), 0 for none (default: env OFFBOARD_MEMORY_RESERVE, else \(MemoryReserve.defaultMegabytesPerThread)).", valueName: "MiB"))
        var memoryReserve: Int?

        @OptionGroup var store: StoreOptions
        @OptionGroup var secrets: SecretOptions
        @OptionGroup var options: PlaybookOptions

        static func environment(_ name: String) -> String? { ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 } }

        /// A whole-number setting: the option given, else the environment variable, else `fallback`; refused
        /// (naming it, its range and what was given) outside `range`.
        static func number(_ given: Int?, environment name: String, default fallback: Int, in range: ClosedRange<Int>,
                           what: String, unit: String = "") throws -> Int {
            let fromEnvironment = given == nil ? environment(name) : nil
            let text = given.map(String.init) ?? fromEnvironment ?? String(fallback)
            guard let value = Int(text), range.contains(value) else {
                throw ValidationError("the \(what) must be \(range.lowerBound)–\(range.upperBound)\(unit), not '\(SafeText.terminal(text))'"
                                      + (fromEnvironment == nil ? "" : " (from \(name))"))
            }
            return value
        }

        /// A yes-or-no setting: on when the flag is given, else as the environment variable says (true/false, yes/no
        /// or 1/0, in any case), else off; any other value is refused, naming the variable.
        static func flag(_ given: Bool, environment name: String) throws -> Bool {
            if given { return true }
            guard let text = environment(name) else { return false }
            switch text.lowercased() {
            case "true", "1", "yes": return true
            case "false", "0", "no": return false
            default: throw ValidationError("\(name) must be true or false (or yes/no, 1/0), not '\(SafeText.terminal(text))'")
            }
        }

        var workerConcurrency: Int {
            get throws {
                try Self.number(concurrency, environment: "OFFBOARD_CONCURRENCY", default: WorkerConfiguration.defaultConcurrency,
                                in: 1...100_000, what: "concurrency")
            }
        }

        var serverConfiguration: ServerConfiguration {
            get throws {
                let certificate = tlsCertificate ?? Self.environment("OFFBOARD_TLS_CERTIFICATE"), key = tlsKey ?? Self.environment("OFFBOARD_TLS_KEY")
                if (certificate == nil) != (key == nil) { throw ValidationError("--tls-certificate and --tls-key go together") }
                let port = try Self.number(port, environment: "OFFBOARD_PORT", default: 8080, in: 0...65535, what: "port")
                var configuration = ServerConfiguration(host: host ?? Self.environment("OFFBOARD_HOST") ?? "127.0.0.1", port: port,
                                                        tls: certificate.map { ($0, key!) },
                                                        insecureHTTP: try Self.flag(insecureHTTP, environment: "OFFBOARD_INSECURE_HTTP"))
                configuration.publicURL = publicURL ?? Self.environment("OFFBOARD_PUBLIC_URL")
                configuration.memoryReserve = MemoryReserve(megabytesPerThread: try Self.number(
                    memoryReserve, environment: "OFFBOARD_MEMORY_RESERVE", default: MemoryReserve.defaultMegabytesPerThread,
                    in: 0...MemoryReserve.maximumMegabytesPerThread, what: "memory reserve", unit: " MiB per thread"))
                if let issuer = oidcIssuer ?? Self.environment("OFFBOARD_OIDC_ISSUER") {
                    guard let client = oidcClientID ?? Self.environment("OFFBOARD_OIDC_CLIENT_ID") else {
                        throw ValidationError("--oidc-issuer needs --oidc-client-id (or OFFBOARD_OIDC_CLIENT_ID)")
                    }
                    guard OIDCConfiguration.acceptableIssuer(issuer) else {
                        throw ValidationError("--oidc-issuer must be an https URL (http only on this machine), not '\(issuer)'")
                    }
                    let map: [String: [String]]
                    let roles = oidcRoles.isEmpty ? (Self.environment("OFFBOARD_OIDC_ROLES")?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []) : oidcRoles
                    switch OIDCConfiguration.roleMap(roles) {
                    case .success(let read): map = read
                    case .failure(let problem): throw ValidationError(problem.message)
                    }
                    guard !map.isEmpty else {
                        throw ValidationError("--oidc-issuer needs at least one --oidc-role GROUP=ROLE: which of the provider's groups give which offboard role")
                    }
                    configuration.oidc = OIDCConfiguration(issuer: issuer, clientID: client, clientSecret: nil,
                                                           rolesClaim: oidcRolesClaim ?? Self.environment("OFFBOARD_OIDC_ROLES_CLAIM") ?? "groups", roleMap: map)
                }
                return configuration
            }
        }

        func validate() throws {
            _ = try RetentionOption.period(retention)
            _ = try workerConcurrency
            if let refusal = try serverConfiguration.refusal { throw ValidationError(refusal) }
        }

        func run() async throws {
            Logs.bootstrap(level: .info)
            var configured = try serverConfiguration
            configured.oidc?.clientSecret = secrets.resolver.value(of: "OIDC_CLIENT_SECRET")
            let configuration = configured
            let database = try store.openServiceStore(), registry = try HandlerSetup.registryOrExit(), clock = CommandClock.current
            let process = ProcessAssembly(store: database, registry: registry, secrets: secrets.resolver, clock: clock)
            let logger = Logger(label: "offboard.serve")
            let metrics = ServerMetrics.bootstrap()
            var workerConfiguration = WorkerConfiguration(concurrency: try workerConcurrency)
            workerConfiguration.submitDrivesRuns = false
            let worker = process.worker(workerConfiguration, observer: metrics)
            let catalog = PlaybookCatalog(directory: options.workflowsDirectory, registry: registry, limits: options.limits)
            var mappings: [HookMapping] = []
            if let directory = hooks ?? HookSetup.directoryFromEnvironment {
                let loaded = HookSetup.load(directory, catalog: catalog)
                Output.printDiagnostics(loaded.diagnostics)
                if loaded.diagnostics.containsErrors { throw ExitCodes.invalid }
                mappings = loaded.mappings
            }
            let runtime = ServerRuntime(store: database, process: process, catalog: catalog, worker: worker, logger: logger, hooks: mappings,
                                        metrics: metrics)
            let extra = process.services(retention: try RetentionOption.period(retention))
            let scheme = configuration.tls == nil ? "http" : "https", concurrency = workerConfiguration.concurrency
            try await OffboardServer(runtime: runtime, configuration: configuration).run(extra: extra) { port in
                logger.notice("serving \(scheme)://\(configuration.host):\(port) (API under /v1, console at /console), with a worker (up to \(concurrency) runs at once); database \(store.databasePath)")
            }
        }
    }
}
