import Foundation
import Testing

@Suite struct ValidateCommandTests {
    @Test func shippedWorkflowsAreValid() throws {
        let outcome = try CLI.run(["validate", "Workflows/"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.split(separator: "\n").count == 11)
        #expect(outcome.stdout.contains("ok   Workflows/acme-leaver.yaml: acme-leaver v3, 10 steps"))
        #expect(outcome.stdout.contains("ok   Workflows/hooks/bamboohr.hook.yaml: hook bamboohr (bamboohr)"))
        #expect(outcome.stderr == "6 playbooks and 5 hook mappings checked (2 step fragments checked through the playbooks that include them): 0 errors, 0 warnings\n")
    }

    @Test func aHookMappingsProblemsAreAllPrintedCompilerStyleWithSuggestions() throws {
        let directory = NSTemporaryDirectory() + "offboard-hook-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try """
            hook: acme
            verify:
              scheme: bambohr
              secret: the-secret-itself
            employee: event.id
            leaver:
              when: evnt.type == 'terminated'
              playbook: standard-leavr
              effective: event.date
              inputs: { employe_id: "{{ event.id }}" }
            """.write(toFile: "\(directory)/acme.hook.yaml", atomically: true, encoding: .utf8)
        let outcome = try CLI.run(["validate", "\(directory)/acme.hook.yaml", "--workflows", "Workflows"])
        #expect(outcome.status == 1)
        let file = "\(directory)/acme.hook.yaml"
        for line in ["\(file):3:11: error: verify.scheme must be one of bamboohr, hibob, deel, standard-webhooks, bearer, not 'bambohr'; did you mean 'bamboohr'?",
                     "\(file):4:11: error: verify.secret must be one ${secret:NAME} reference (the shared secret is never written in the file)",
                     "\(file):7:9: error: unknown name 'evnt': a hook mapping reads event (the delivery's body), item (one element of each:) and now; did you mean 'event'?"] {
            #expect(outcome.stderr.contains(line), "\(outcome.stderr)")
        }
        // With the expression fixed, the playbook and its inputs are checked too (all at once).
        try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "evnt.", with: "event.").write(toFile: file, atomically: true, encoding: .utf8)
        let again = try CLI.run(["validate", file, "--workflows", "Workflows"])
        #expect(again.stderr.contains("\(file):8:13: error: leaver.playbook: no playbook named 'standard-leavr' in Workflows; did you mean 'standard-leaver'?"), "\(again.stderr)")
        try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "standard-leavr", with: "standard-leaver").write(toFile: file, atomically: true, encoding: .utf8)
        let third = try CLI.run(["validate", file, "--workflows", "Workflows"])
        #expect(third.stderr.contains("\(file):10:13: error: leaver.inputs: 'employe_id' is not an input of standard-leaver; did you mean 'employee_id'?"), "\(third.stderr)")
        #expect(third.stderr.contains("error: leaver.inputs does not give 'email', which standard-leaver requires"))
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
