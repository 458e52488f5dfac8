import Foundation
import Testing

/// The example Python plugin (examples/plugins) through the real binary: checked by validate like a
/// built-in, asked for its dry run, executed with its secret, verified, and idempotent.
@Suite struct PluginTests {
    static let plugins = "\(CLI.repositoryRoot)/examples/plugins"

    @Test func aPythonPluginIsValidatedPlannedRunAndVerified() throws {
        let scratch = try RunCommandTests.Scratch()
        let environment = scratch.environment.merging(["OFFBOARD_PLUGINS": Self.plugins, "OFFBOARD_SECRET_FACILITIES": "tok-4711"]) { $1 }
        func offboard(_ arguments: [String]) throws -> CLI.Outcome { try CLI.run(arguments, environment: environment, directory: scratch.directory) }
        try scratch.write("badge.yaml", """
            playbook: badge
            version: 1
            inputs: { badge: { type: string, required: true } }
            steps:
              - id: badge
                uses: badge.revoke
                with: { badge_id: "{{ inputs.badge }}", state_dir: DIR/facilities, api_token: "${secret:FACILITIES}" }
            """)
        try scratch.write("typo.yaml", """
            playbook: typo
            version: 1
            steps:
              - { id: badge, uses: badge.revoke, with: { badge_idd: B-1, state_dir: /tmp, api_token: "${secret:FACILITIES}" } }
            """)
        #expect(try offboard(["validate", "badge.yaml"]).status == 0)
        let typo = try offboard(["validate", "typo.yaml"])
        #expect(typo.status == 1)
        #expect(typo.stderr.contains("typo.yaml:4:"))
        #expect(typo.stderr.contains("badge_id"), "\(typo.stderr)")
        let unplugged = try CLI.run(["validate", "badge.yaml"], environment: scratch.environment, directory: scratch.directory)
        #expect(unplugged.stderr.contains("unknown handler 'badge.revoke'"), "\(unplugged.stderr)")

        let plan = try offboard(["plan", "badge.yaml", "--set", "badge=B-77"])
        #expect(plan.stdout.contains("revoke badge B-77 (active -> revoked)"), "\(plan.stdout)")

        let run = try offboard(["run", "badge.yaml", "--set", "badge=B-77"])
        #expect(run.status == 0, "\(run.stderr)")
        let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let step = try #require((try CLI.json(try offboard(["status", id, "--format", "json"]).stdout)["steps"] as? [[String: Any]])?.first)
        #expect((step["output"] as? [String: Any])?["was_active"] as? Bool == true)
        #expect((step["verification"] as? [String: Any])?["holds"] as? Bool == true)
        let state = try #require(FileManager.default.contents(atPath: "\(scratch.directory)/facilities/badges.json"))
        let badges = try #require(try JSONSerialization.jsonObject(with: state) as? [String: [String: Any]])
        #expect(badges["B-77"]?["active"] as? Bool == false)
        #expect(badges["B-77"]?["revoked_by"] as? String == "\(id)/badge")
        // The manifest says removes_access: the evidence pack treats the step as an access removal.
        let pack = try CLI.json(try offboard(["evidence", id, "--format", "json"]).stdout)
        #expect((pack["steps"] as? [[String: Any]])?.first?["removes_access"] as? Bool == true)

        let again = try offboard(["run", "badge.yaml", "--set", "badge=B-77"])
        let repeated = try #require((try CLI.json(try offboard(["status", again.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                                                                "--format", "json"]).stdout)["steps"] as? [[String: Any]])?.first)
        #expect((repeated["output"] as? [String: Any])?["was_active"] as? Bool == false)
    }

    @Test func aRefusalFromThePluginIsAFatalFailureWithItsMessage() throws {
        let scratch = try RunCommandTests.Scratch()
        try scratch.write("badge.yaml", """
            playbook: badge
            version: 1
            steps:
              - { id: badge, uses: badge.revoke, with: { badge_id: B-1, state_dir: DIR/f, api_token: "${secret:FACILITIES}" } }
            """)
        let environment = scratch.environment.merging(["OFFBOARD_PLUGINS": Self.plugins, "OFFBOARD_SECRET_FACILITIES": "expired"]) { $1 }
        let run = try CLI.run(["run", "badge.yaml"], environment: environment, directory: scratch.directory)
        #expect(run.status == 1)
        let status = try CLI.run(["status", run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)], environment: environment, directory: scratch.directory)
        #expect(status.stdout.contains("plugin badge.revoke: the facilities API refused the token"), "\(status.stdout)")
        #expect(status.stdout.contains("attempts: 1"))
    }

    @Test func aBrokenManifestIsReportedLikeACompilerError() throws {
        let scratch = try RunCommandTests.Scratch()
        try FileManager.default.createDirectory(atPath: "\(scratch.directory)/plugins", withIntermediateDirectories: true)
        try """
            plugin: ticket.close
            executable: missing.sh
            parameters:
              ticket: { type: strng, required: true }
            """.write(toFile: "\(scratch.directory)/plugins/ticket.plugin.yaml", atomically: true, encoding: .utf8)
        try scratch.write("p.yaml", "playbook: p\nversion: 1\nsteps:\n  - { id: a, uses: log, with: { message: hi } }\n")
        let outcome = try CLI.run(["validate", "p.yaml"], environment: ["OFFBOARD_PLUGINS": "\(scratch.directory)/plugins"], directory: scratch.directory)
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("ticket.plugin.yaml:2:13: error: executable missing.sh is missing or not executable"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("ticket.plugin.yaml:4:19: error: parameter 'ticket' has unknown type 'strng'; did you mean 'string'?"), "\(outcome.stderr)")
    }
}
