@testable import Engine
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

    /// A `command` step that names no secret used to inherit every OFFBOARD_SECRET_* of the engine and
    /// could print them into the journal; now a child gets only what its step declares (and PATH, HOME, LANG…).
    @Test func aCommandChildGetsOnlyTheVariablesItsStepDeclares() async throws {
        let marker = "OFFBOARD_SECRET_LEAK_\(UUID().uuidString.prefix(8))"
        setenv(marker, "engine-only-value", 1)
        setenv("OFFBOARD_TEST_UNRELATED", "engine-setting", 1)
        defer { unsetenv(marker); unsetenv("OFFBOARD_TEST_UNRELATED") }
        let setup = try ExecutorTests.Setup("""
            playbook: env
            version: 1
            steps:
              - id: show
                uses: command
                with:
                  argv: [/bin/sh, -c, 'env | sort']
                  env: { DECLARED: "yes" }
            """)
        let worker = Worker(store: setup.store, registry: BuiltInHandlers.registry(), secrets: EnvironmentSecretResolver())
        let id = try await setup.start()
        #expect(try await worker.drive(runID: id) == .succeeded)
        guard case .object(let output)? = try await setup.report(id).steps.first?.output, case .string(let printed)? = output["stdout"] else {
            Issue.record("no output")
            return
        }
        #expect(!printed.contains("engine-only-value") && !printed.contains("OFFBOARD_SECRET"), "\(printed)")
        #expect(!printed.contains("OFFBOARD_TEST_UNRELATED"))
        #expect(printed.contains("DECLARED=yes") && printed.contains("PATH=") && printed.contains("OFFBOARD_IDEMPOTENCY_KEY="))
    }

    /// A secret cut in two by a snippet or a tail leaves no recognisable part on either side of the cut.
    @Test func aSecretCutByTruncationLeavesNoFragment() {
        let secret = "sk-live-0123456789abcdef0123456789"
        let candidates = [(secret, "${secret:API}")]
        let cutAfter16 = "HTTP 500 {\"error\": \"bad key \(secret.prefix(16))…"
        #expect(RevealedSecretsProbe.scrub(cutAfter16, candidates) == "HTTP 500 {\"error\": \"bad key ${secret:API}…")
        let tail = "…\(secret.suffix(12)) rejected"
        #expect(RevealedSecretsProbe.scrub("exited with status 1: " + tail, candidates) == "exited with status 1: …${secret:API} rejected")
        #expect(RevealedSecretsProbe.scrub(String(secret.prefix(10)), candidates) == "${secret:API}", "a prefix at the very end is a cut too")
        #expect(RevealedSecretsProbe.scrub("plain words stay", candidates) == "plain words stay")
        // A combining mark right after a secret makes one character with its last letter: still scrubbed.
        #expect(RevealedSecretsProbe.scrub("token \(secret)\u{0301} leaked", candidates) == "token ${secret:API}\u{0301} leaked")
        // Personal values are never cut: a db_role that starts the email stays itself (no fragment rule there).
        #expect(RevealedSecretsProbe.scrub("jane.ryan", [("jane.ryan@acme.com", "⟪email⟫")], cutFragments: false) == "jane.ryan")
        // Long output with many cuts stays fast (each position looks only as far as the secrets reach).
        let long = String(repeating: "output line … ", count: 5_000)
        #expect(RevealedSecretsProbe.scrub(long + secret, candidates).hasSuffix("${secret:API}"))
    }

    /// A webhook URL secret with its token in the path or the query: rewritten for display (the query
    /// replaced by …), the token must still not show.
    @Test func aSecretURLIsScrubbedByItsPartsToo() {
        let forms = RevealedSecretsProbe.forms("https://hooks.example.com/services/T0A1B2C3/B9Z8Y7X6/xoxb4d5e6f7g8h9?token=q7w8e9r0t1&v=2")
        #expect(forms.contains("T0A1B2C3") && forms.contains("xoxb4d5e6f7g8h9") && forms.contains("q7w8e9r0t1"))
        #expect(!forms.contains("services") && !forms.contains("hooks.example.com"), "words and the host name the system; they are no secret")
        #expect(forms.contains("https://hooks.example.com/services/T0A1B2C3/B9Z8Y7X6/xoxb4d5e6f7g8h9"))
        let userinfo = RevealedSecretsProbe.forms("postgres://offboard:pa55-word@crm-db.internal:5432/crm")
        #expect(userinfo.contains("offboard") && userinfo.contains("pa55-word"))
    }

    /// The replacements are worked out once and kept, and a secret revealed after that (a handler that resolves a
    /// second secret late, or while another task scrubs) is scrubbed all the same.
    @Test func aSecretRevealedAfterTheFirstScrubIsScrubbedToo() async {
        let base = EnvironmentSecretResolver(environment: ["OFFBOARD_SECRET_FIRST": "first-secret-value", "OFFBOARD_SECRET_LATE": "late-secret-value"])
        let revealed = RevealedSecrets(base)
        _ = revealed.value(of: "FIRST")
        #expect(revealed.redact("a first-secret-value here") == "a ${secret:FIRST} here")
        _ = revealed.value(of: "LATE")
        #expect(revealed.redact("late-secret-value and first-secret-value") == "${secret:LATE} and ${secret:FIRST}")
        // Revealing and scrubbing at once, many times over: every scrub after a reveal has returned sees it.
        for round in 0..<50 {
            let secrets = RevealedSecrets(EnvironmentSecretResolver(environment: (0..<8).reduce(into: [:]) { $0["OFFBOARD_SECRET_S\($1)"] = "secret-\(round)-\($1)-value" }))
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        _ = secrets.value(of: "S\(index)")
                        _ = secrets.redact("noise")
                        #expect(secrets.redact("x secret-\(round)-\(index)-value y") == "x ${secret:S\(index)} y")
                    }
                }
            }
            #expect((0..<8).allSatisfy { secrets.redact("secret-\(round)-\($0)-value") == "${secret:S\($0)}" })
        }
    }
}

/// The scrubber's pure functions, reached through `@testable`.
enum RevealedSecretsProbe {
    static func scrub(_ text: String, _ candidates: [(String, String)], cutFragments: Bool = true) -> String {
        RevealedSecrets.scrub(text, replacing: candidates, cutFragments: cutFragments)
    }
    static func forms(_ value: String) -> [String] { RevealedSecrets.forms(of: value) }
}
