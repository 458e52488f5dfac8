import Foundation
import Testing

@Suite struct PlanCommandTests {
    let now = ["--now", "2026-11-23T10:00:00Z"]

    @Test func plansANamedPlaybookForASampleLeaver() throws {
        let secretValue = "postgres://admin:s3cr3t-value@db.internal/crm"
        let outcome = try CLI.run(["plan", "standard-leaver", "--input", "Workflows/samples/jryan.json"] + now,
                                  environment: ["OFFBOARD_SECRET_CRM_DB_URL": secretValue, "CRM_DB_URL": secretValue])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.isEmpty)
        let text = outcome.stdout
        #expect(text.hasPrefix("Dry run of standard-leaver v1 (Workflows/standard-leaver.yaml, sha256 "))
        #expect(text.contains("Leave time: Fri 2026-12-04 17:30 GMT (2026-12-04T17:30:00Z)"))
        #expect(text.contains("8 steps would run, in this order:"))
        #expect(text.contains("2. revoke-crm-database  (postgres.revoke)"))
        #expect(text.contains("   starts:   Fri 2026-12-04 17:30 GMT · 2026-12-04T17:30:00Z · at the leave time"))
        #expect(text.contains("   with:     connection: ${secret:CRM_DB_URL}"))
        #expect(text.contains("5. reclaim-devices [LT-20931]  (task)"))
        #expect(text.contains("Secrets read at run time (values never shown): CRM_DB_URL, IDP_SCIM_TOKEN, IDP_SCIM_URL, SECURITY_WEBHOOK, SERVICE_DESK_WEBHOOK"))
        #expect(!text.contains("s3cr3t"))
    }

    @Test func jsonPlan() throws {
        let outcome = try CLI.run(["plan", "Workflows/immediate-leaver.yaml", "--input", "Workflows/samples/mholt-immediate.json",
                                   "--set", "vpn_user=", "--now", "2026-11-23T11:05:00Z", "--format", "json"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let plan = try CLI.json(outcome.stdout)
        #expect(plan["time_zone"] as? String == "Europe/Berlin")
        let steps = try #require(plan["steps"] as? [[String: Any]])
        let statuses = Dictionary(steps.map { ($0["id"] as! String, $0["status"] as! String) }, uniquingKeysWith: { a, _ in a })
        #expect(statuses["revoke-crm-database"] == "run")
        #expect(statuses["escalate-to-security"] == "on-failure")
        let vpn = try #require(steps.first { $0["id"] as? String == "revoke-vpn" })
        #expect(vpn["status"] as? String == "run")
        let parameters = try #require(vpn["parameters"] as? [String: Any])
        #expect(parameters["url"] as? String == "${secret:VPN_API_URL}/users//disable")
    }

    @Test func badInputIsADiagnosticNamingTheField() throws {
        let outcome = try CLI.run(["plan", "standard-leaver", "--input", "Workflows/samples/jryan.json", "--set", "leave_at=next friday",
                                   "--set", "email=nobody"] + now)
        #expect(outcome.status == 65)
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderr == """
            error: input 'email' (from --set): expected an email address
            error: input 'leave_at' (from --set): expected a date-time such as 2026-12-04T17:30:00Z or 2026-12-04T17:30:00+01:00, or 2026-12-04T17:30 read in the leaver's time zone (Europe/London)

            """)
    }

    /// Found by fuzzing: a combining mark (U+0312) in a date made Foundation trap, killing the process (SIGILL).
    @Test func aCombiningMarkInADateIsABadInputNotACrash() throws {
        for command in ["plan", "start"] {
            let outcome = try CLI.run([command, "standard-leaver", "--input", "Workflows/samples/jryan.json",
                                       "--set", "leave_at=2026-12-04T17:30:00\u{0312}Z"]
                                      + (command == "plan" ? now : ["--db", NSTemporaryDirectory() + "/combining-\(UUID()).sqlite"]))
            #expect(outcome.status == 65, "\(command): \(outcome.stderr)")
            #expect(outcome.stderr.contains("error: input 'leave_at' (from --set): expected a date-time"))
        }
        let badNow = try CLI.run(["plan", "base", "--input", "Workflows/samples/jryan.json", "--now", "2026-12-04T17:30:00\u{0312}Z"])
        #expect(badNow.status == 65)
        let impossible = try CLI.run(["plan", "standard-leaver", "--input", "Workflows/samples/jryan.json", "--set", "leave_at=2027-02-29T09:00:00Z"] + now)
        #expect(impossible.status == 65)
        #expect(impossible.stderr == "error: input 'leave_at' (from --set): not a valid date-time: February 2027 has 28 days, not 29\n")
    }

    @Test func missingRequiredInputs() throws {
        let outcome = try CLI.run(["plan", "contractor-end", "--set", "employee_id=C1"] + now)
        #expect(outcome.status == 65)
        #expect(outcome.stderr.contains("error: missing required input 'agency' (string): the contractor's agency"))
    }

    @Test func unknownPlaybookSuggestsAName() throws {
        let outcome = try CLI.run(["plan", "standard-leavr"] + now)
        #expect(outcome.status == 66)
        #expect(outcome.stderr == "error: no playbook named 'standard-leavr' in Workflows; did you mean 'standard-leaver'?\n")
    }

    @Test func workflowsDirectoryFromTheEnvironment() throws {
        let outcome = try CLI.run(["plan", "base", "--input", "\(CLI.repositoryRoot)/Workflows/samples/jryan.json"] + now,
                                  environment: ["OFFBOARD_WORKFLOWS": "\(CLI.repositoryRoot)/Workflows"], directory: NSTemporaryDirectory())
        #expect(outcome.status == 0, "\(outcome.stderr)")
    }

    @Test func badNowAndBadUsage() throws {
        let badNow = try CLI.run(["plan", "base", "--now", "yesterday"])
        #expect(badNow.status == 65)
        let usage = try CLI.run(["plan", "base", "--set", "novalue"])
        #expect(usage.status == 64)
        #expect(usage.stderr.contains("each --set must be name=value"))
        let missingRecord = try CLI.run(["plan", "base", "--input", "nothing.json"])
        #expect(missingRecord.status == 66)
        let brokenRecord = try CLI.run(["plan", "base", "--input", "Workflows/base.yaml"] + now)
        #expect(brokenRecord.status == 65)
        #expect(brokenRecord.stderr.contains("warning: field 'playbook' is not an input of base and is ignored"))
    }

    @Test func aStepThatWouldFailMakesThePlanFail() throws {
        let directory = NSTemporaryDirectory() + "offboard-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try """
            playbook: gaps
            version: 1
            inputs: { role: { type: string } }
            steps:
              - { id: tell, uses: log, with: { message: "role {{ inputs.role }}" } }
            """.write(toFile: "\(directory)/gaps.yaml", atomically: true, encoding: .utf8)
        let outcome = try CLI.run(["plan", "\(directory)/gaps.yaml"] + now)
        #expect(outcome.status == 1)
        #expect(outcome.stdout.contains("Would fail:\n  - tell: with: 'inputs.role' has no value"))
        #expect(outcome.stderr.contains("\(directory)/gaps.yaml:5:54: error: step 'tell': with: 'inputs.role' has no value"))
    }
}
