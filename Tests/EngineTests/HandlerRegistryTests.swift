import Engine
import Foundation
import Handlers
import Playbook
import Testing

/// The README's "Adding a handler" example, verbatim, so it keeps compiling and working.
struct RevokeBadgeHandler: StepHandler {
    let type = "badge.revoke"
    let summary = "Revokes a building badge."
    var parameters: ParameterSchema {
        ParameterSchema([ParameterField("badge_id", .string, required: true, description: "the badge number")])
    }
    func plan(_ request: HandlerPlanRequest) async throws -> ActionPreview {
        ActionPreview("revoke badge \(request.quoted("badge_id"))")
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

    @Test func registeringAKnownTypeReplacesIt() {
        var registry = BuiltInHandlers.registry()
        let count = registry.handlerTypes.count
        registry.register(LogHandler())
        #expect(registry.handlerTypes.count == count)
        #expect(registry.handlerTypes == ["command", "http", "log", "postgres.revoke", "scim.deactivate", "task", "wait"])
    }
}
