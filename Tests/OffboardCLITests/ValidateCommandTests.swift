import Foundation
import Testing

@Suite struct ValidateCommandTests {
    @Test func shippedWorkflowsAreValid() throws {
        let outcome = try CLI.run(["validate", "Workflows/"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.split(separator: "\n").count == 6)
        #expect(outcome.stdout.contains("ok   Workflows/acme-leaver.yaml: acme-leaver v3, 10 steps"))
        #expect(outcome.stderr == "6 playbooks checked (2 step fragments checked through the playbooks that include them): 0 errors, 0 warnings\n")
    }

    @Test func everyErrorIsPrintedCompilerStyle() throws {
        let fixture = "Tests/PlaybookTests/Fixtures/invalid/parameters.yaml"
        let outcome = try CLI.run(["validate", fixture])
        #expect(outcome.status == 1)
        let lines = outcome.stderr.split(separator: "\n").map(String.init)
        let expected = try String(contentsOfFile: "\(CLI.repositoryRoot)/Tests/PlaybookTests/Fixtures/invalid/parameters.expected", encoding: .utf8)
            .split(separator: "\n").map { "Tests/PlaybookTests/Fixtures/invalid/" + $0 }
        #expect(Array(lines.dropLast()) == expected)
        #expect(lines.last == "1 playbook checked: 11 errors, 1 warning")
        let pattern = try Regex(#"^[^:]+:\d+:\d+: (error|warning): .+$"#)
        #expect(lines.dropLast().allSatisfy { $0.wholeMatch(of: pattern) != nil })
        #expect(!outcome.stderr.contains("hunter2"))
    }

    @Test func jsonReportForMachines() throws {
        let outcome = try CLI.run(["validate", "Tests/PlaybookTests/Fixtures/invalid/graph.yaml", "Workflows/base.yaml", "--format", "json"])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.isEmpty)
        let report = try CLI.json(outcome.stdout)
        #expect(report["valid"] as? Bool == false)
        let files = try #require(report["files"] as? [[String: Any]])
        #expect(files.map { $0["valid"] as? Bool } == [false, true])
        #expect(files[1]["sha256"] as? String != nil)
        let diagnostics = try #require(report["diagnostics"] as? [[String: Any]])
        let first = try #require(diagnostics.first)
        #expect(first["line"] as? Int == 6 && first["column"] as? Int == 13 && first["severity"] as? String == "error")
        let bb = diagnostics.first { ($0["message"] as? String)?.contains("'bb'") == true }
        #expect(bb?["suggestion"] as? String == "b")
    }

    @Test func aFragmentNamedAloneIsExplained() throws {
        let outcome = try CLI.run(["validate", "Workflows/fragments/notify-dpo.yaml"])
        #expect(outcome.status == 0)
        #expect(outcome.stderr.hasPrefix("Workflows/fragments/notify-dpo.yaml: note: a list of steps for include:"))
    }

    @Test func missingPathExits66() throws {
        let outcome = try CLI.run(["validate", "no/such/dir"])
        #expect(outcome.status == 66)
        #expect(outcome.stderr == "error: no such file or directory: no/such/dir\n")
    }

    @Test func limitsAreConfigurable() throws {
        let outcome = try CLI.run(["validate", "Workflows/base.yaml", "--max-file-size", "100"])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("Workflows/base.yaml:1:1: error: file is "))
        #expect(outcome.stderr.contains("larger than the limit of 100 bytes"))
        let usage = try CLI.run(["validate", "Workflows/base.yaml", "--max-depth", "-1"])
        #expect(usage.status == 64)
    }
}
