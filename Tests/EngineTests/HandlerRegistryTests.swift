import Engine
import Foundation
import Handlers
import Logging
import Playbook
import SQLiteStore
import Testing

/// The README's "Adding a handler" example, verbatim, so it keeps compiling and working.
/// A business's badge system; here an actor in memory, in real life whatever API the business has.
actor BadgeSystem {
    static let shared = BadgeSystem()
    private var active: Set<String> = ["B-77", "B-78"]

    /// Returns whether the badge was active; revoking a revoked badge changes nothing.
    func revoke(_ badge: String) -> Bool { active.remove(badge) != nil }
    func isActive(_ badge: String) -> Bool { active.contains(badge) }
}

struct RevokeBadgeHandler: StepHandler {
    let type = "badge.revoke"
    let summary = "Revokes a building badge."
    var parameters: ParameterSchema {
        ParameterSchema([ParameterField("badge_id", .string, required: true, description: "the badge number")])
    }

    func plan(_ request: HandlerPlanRequest) async throws -> ActionPreview {
        ActionPreview("revoke badge \(request.quoted("badge_id"))")
    }

    func execute(_ context: ExecutionContext) async throws -> StepOutcome {
        guard let badge = context.parameters["badge_id"]?.displayText else {
            throw HandlerFailure("badge_id is missing", retryable: false)
        }
        // Idempotent: after a crash this runs again with the same context.idempotencyKey, and
        // revoking an already revoked badge is a success, not a second effect.
        let wasActive = await BadgeSystem.shared.revoke(badge)
        return .completed(.object(["badge_id": .string(badge), "was_active": .bool(wasActive)]))
    }

    func verify(_ context: ExecutionContext) async throws -> VerificationResult? {
        let badge = context.parameters["badge_id"]?.displayText ?? ""
        let active = await BadgeSystem.shared.isActive(badge)
        return VerificationResult(holds: !active, detail: active ? "badge \(badge) still opens doors" : "badge \(badge) is revoked")
    }
}

@Suite struct HandlerRegistryTests {
    static let playbook = """
        playbook: badges
        version: 1
        inputs: { badge: { type: string, required: true } }
        steps:
          - { id: revoke, uses: badge.revoke, with: { badge_id: "{{ inputs.badge }}" } }
        """

    @Test func aBusinessHandlerIsValidatedAndPlannedLikeABuiltIn() async throws {
        let directory = NSTemporaryDirectory() + "offboard-registry-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.playbook.write(toFile: "\(directory)/badges.yaml", atomically: true, encoding: .utf8)

        let builtIns = PlaybookLoader(catalog: BuiltInHandlers.registry()).load(path: "\(directory)/badges.yaml")
        #expect(builtIns.diagnostics.map(\.message).first?.hasPrefix("unknown handler 'badge.revoke'") == true)

        var registry = BuiltInHandlers.registry()
        registry.register(RevokeBadgeHandler())
        let result = PlaybookLoader(catalog: registry).load(path: "\(directory)/badges.yaml")
        let playbook = try #require(result.playbook, "\(result.diagnostics)")
        let inputs = try InputBinder.bind(playbook, record: nil, overrides: [(name: "badge", value: "B-77")])
        let plan = await Planner(registry: registry).plan(playbook, inputs: inputs, now: Date())
        #expect(plan.steps.first?.action?.summary == "revoke badge \"B-77\"")
    }

    /// The README's registration and run, on a real SQLite store.
    @Test func aBusinessHandlerRunsDurablyAndTwiceIsHarmless() async throws {
        let directory = NSTemporaryDirectory() + "offboard-registry-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.playbook.write(toFile: "\(directory)/badges.yaml", atomically: true, encoding: .utf8)
        let path = "\(directory)/badges.yaml", database = "\(directory)/offboard.sqlite"

        var registry = BuiltInHandlers.registry()
        registry.register(RevokeBadgeHandler())
        let store = try SQLiteRunStore(path: database)
        let playbook = try #require(PlaybookLoader(catalog: registry).load(path: path).playbook)
        let inputs = try InputBinder.bind(playbook, record: nil, overrides: [(name: "badge", value: "B-78")])
        let run = try await RunStarter(store: store).start(playbook, inputs: inputs, key: "hr-ticket-4711", by: "hr")
        let report = try await Worker(store: store, registry: registry).run(untilIdle: true)

        #expect(report.finished[run.id] == .succeeded)
        #expect(await BadgeSystem.shared.isActive("B-78") == false)
        let status = try RunReport.make(try #require(try await store.loadRun(run.id)), playbook: playbook)
        #expect(status.steps.first?.output == .object(["badge_id": .string("B-78"), "was_active": .bool(true)]))
        let context = ExecutionContext(runID: run.id, instance: InstanceKey(step: "revoke"), attempt: 2, idempotencyKey: "\(run.id)/revoke",
                                       parameters: ["badge_id": .string("B-78")], secrets: EnvironmentSecretResolver(),
                                       logger: Logger(label: "test"), clock: SystemClock(), timeout: nil)
        #expect(try await RevokeBadgeHandler().execute(context) == .completed(.object(["badge_id": .string("B-78"), "was_active": .bool(false)])))
        #expect(try await RevokeBadgeHandler().verify(context)?.holds == true)
    }

    @Test func registeringAKnownTypeReplacesIt() {
        var registry = BuiltInHandlers.registry()
        let count = registry.handlerTypes.count
        registry.register(LogHandler())
        #expect(registry.handlerTypes.count == count)
        #expect(registry.handlerTypes == ["command", "entra.disable", "http", "ldap.disable", "ldap.enable", "log", "okta.deactivate", "postgres.revoke", "scim.deactivate",
                                         "task", "wait"])
    }
}
