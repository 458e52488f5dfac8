import Foundation
import Handlers
import Playbook
import Testing

@Suite struct GraphExplainSchemaTests {
    @Test func mermaidGraph() throws {
        let outcome = try CLI.run(["graph", "immediate-leaver"])
        #expect(outcome.status == 0)
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "flowchart TD")
        #expect(lines.contains("    s0[\"revoke-crm-database<br/>postgres.revoke<br/>if inputs.db_role != null<br/>at now\"]"))
        #expect(lines.contains { $0.contains("{{\"escalate-to-security<br/>http\"}}") })
        #expect(lines.contains("    s0 -. on failure .-> s9"))
        #expect(lines.contains("    s9{{\"escalate-to-security<br/>http\"}}"))
        #expect(lines.contains("    s0 -. on deadline .-> s6"))
        #expect(lines.contains("    s1 --> s7"), "the escalation for nothing removed waits for every removal")
        #expect(!lines.contains { $0.contains("escalate-failure") }, "immediate-leaver removes base's webhook escalation")
    }

    @Test func dotGraph() throws {
        let outcome = try CLI.run(["graph", "standard-leaver", "--format", "dot"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.hasPrefix("digraph \"standard-leaver\" {"))
        #expect(outcome.stdout.contains("    \"reclaim-devices\" -> \"confirm-with-manager\";"))
        #expect(outcome.stdout.hasSuffix("}\n"))
    }

    @Test func explainShowsWhereEachStepCameFrom() throws {
        let outcome = try CLI.run(["explain", "acme-leaver"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("""
            4. reclaim-devices (task)
                 defined at Workflows/base.yaml:84
                 overridden at Workflows/acme-leaver.yaml:18
            """))
        #expect(outcome.stdout.contains("     included by Workflows/acme-leaver.yaml:35"))
        let json = try CLI.json(try CLI.run(["explain", "acme-leaver", "--format", "json"]).stdout)
        #expect((json["files"] as? [String])?.count == 4)
    }

    @Test func thePublishedSchemaIsTheGeneratedOne() throws {
        let outcome = try CLI.run(["schema"])
        let committed = try String(contentsOfFile: "\(CLI.repositoryRoot)/schema/playbook.schema.json", encoding: .utf8)
        #expect(outcome.stdout == committed, "run: offboard schema > schema/playbook.schema.json")
    }

    @Test(arguments: ["validate", "plan", "graph", "explain", "schema", "start", "run", "worker", "status", "list", "history", "cancel", "retry",
                       "tasks", "complete", "approve", "reject", "reschedule", "evidence", "verify"])
    func everyCommandHasHelpWithAnExample(_ command: String) throws {
        let outcome = try CLI.run([command, "--help"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("offboard \(command)"))
        #expect(outcome.stdout.contains("Example"))
    }
}
