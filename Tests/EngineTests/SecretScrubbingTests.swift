import Engine
import Foundation
import Handlers
import Logging
import Playbook
import SQLiteStore
import Testing

/// A handler that leaks its secret everywhere it can: a log line, its metadata, its error.
struct LeakyHandler: StepHandler {
    let type = "leaky"
    let summary = "Leaks a secret, for tests."
    var parameters: ParameterSchema {
        ParameterSchema([ParameterField("token", .string, required: true, description: "a secret", sensitive: true)])
    }

    func plan(_ request: HandlerPlanRequest) async throws -> ActionPreview { ActionPreview("leak") }

    func execute(_ context: ExecutionContext) async throws -> StepOutcome {
        let token = try context.secrets.reveal(context.parameters["token"] ?? .null) ?? ""
        context.logger.error("calling the API with \(token)", metadata: ["authorization": "Bearer \(token)"])
        throw HandlerFailure("the API answered 401 for token \(token)", retryable: false)
    }
}

/// Records every log event, as a log shipper would.
final class CapturedLogs: @unchecked Sendable {
    // Safe to share: `lines` is only touched while holding `lock`.
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: String { lock.withLock { lines.joined(separator: "\n") } }
}

struct CapturingLogHandler: Logging.LogHandler {
    let logs: CapturedLogs
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        logs.append("\(event.message) \(event.metadata ?? [:]) \(metadata)")
    }
}

@Suite struct SecretScrubbingTests {
    static var registry: HandlerRegistry {
        var registry = BuiltInHandlers.registry()
        registry.register(LeakyHandler())
        return registry
    }

    @Test func aSecretInAHandlersLogAndErrorReachesNeitherTheLogNorTheJournal() async throws {
        let setup = try ExecutorTests.Setup("""
            playbook: leaky
            version: 1
            steps:
              - { id: leak, uses: leaky, with: { token: "${secret:API_TOKEN}" } }
            """, registry: Self.registry)
        let secret = "sk-\(UUID().uuidString)"
        let logs = CapturedLogs()
        let worker = Worker(store: setup.store, registry: Self.registry,
                            secrets: EnvironmentSecretResolver(environment: ["OFFBOARD_SECRET_API_TOKEN": secret]),
                            logger: Logger(label: "test") { _ in CapturingLogHandler(logs: logs) })
        let id = try await setup.start()
        #expect(try await worker.drive(runID: id) == .failed)

        #expect(logs.all.contains("calling the API with ${secret:API_TOKEN}"), "\(logs.all)")
        #expect(!logs.all.contains(secret))
        let stored = try #require(try await setup.store.loadRun(id))
        let journal = stored.journal.map { String(describing: $0.event) }.joined(separator: "\n")
        #expect(journal.contains("the API answered 401 for token ${secret:API_TOKEN}"))
        #expect(!journal.contains(secret))
    }

    @Test func outputKeysThatScrubToTheSameKeyDoNotCrashTheWorker() async throws {
        // The secret, and its percent-encoded form, both become ${secret:TOKEN} in a key.
        let suffix = UUID().uuidString
        let setup = try ExecutorTests.Setup("""
            playbook: keys
            version: 1
            steps:
              - id: echo
                uses: command
                with:
                  argv: [/bin/sh, -c, 'printf "{\\"a-%s\\": 1, \\"a-%s\\": 2}" "$T" "$E"']
                  env: { T: "${secret:TOKEN}", E: "tok%20\(suffix)" }
            """)
        let worker = Worker(store: setup.store, registry: BuiltInHandlers.registry(),
                            secrets: EnvironmentSecretResolver(environment: ["OFFBOARD_SECRET_TOKEN": "tok \(suffix)"]))
        let id = try await setup.start()
        #expect(try await worker.drive(runID: id) == .succeeded)
        guard case .object(let output)? = try await setup.report(id).steps.first?.output else {
            Issue.record("no output")
            return
        }
        #expect(Array(output.keys) == ["a-${secret:TOKEN}"])
    }
}
