import Foundation
import GRDB
import Logging
import PostgresNIO
import TestServerSupport
import Testing

/// The shipped standard-leaver playbook driven only through the command line, against the real
/// PostgreSQL, SCIM and HTTP servers, with the clock moved by `OFFBOARD_NOW` (no sleeping): access
/// ends at the leave time, one task completes with evidence, one misses its deadline and escalates,
/// the evidence pack shows both, and `verify` passes until one byte of the database is changed.
@Suite struct StandardLeaverEndToEndTests {
    static let leave = "2030-01-07T17:00:00Z"

    @Test func aPlannedDepartureFromLeaveTimeToEvidencePack() async throws {
        let pgURL = try TestServers.postgresURL(), (scimURL, scimToken) = try TestServers.scim(), hooks = try TestServers.httpURL()
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        let role = "jryan_\(suffix)", email = "jryan-\(suffix)@example.com"
        let admin = try await TestServers.admin()
        _ = try await admin.query(PostgresQuery(unsafeSQL: "CREATE ROLE \(role) LOGIN PASSWORD 'jr-pw'"), logger: Logger(label: "test")).collect()
        try await admin.close()
        let scimID = try await TestServers.createSCIMUser(email)

        let scratch = try RunCommandTests.Scratch()
        try scratch.write("jryan.json", """
            {"employee_id": "E10442", "full_name": "Jordan Ryan", "email": "\(email)", "leave_at": "\(Self.leave)",
             "timezone": "Europe/London", "db_role": "\(role)",
             "devices": [{"asset_tag": "LT-20931", "type": "laptop"}, {"asset_tag": "PH-5512", "type": "phone"}]}
            """)
        let secrets = ["OFFBOARD_SECRET_CRM_DB_URL": pgURL, "OFFBOARD_SECRET_IDP_SCIM_URL": scimURL, "OFFBOARD_SECRET_IDP_SCIM_TOKEN": scimToken,
                       "OFFBOARD_SECRET_SERVICE_DESK_WEBHOOK": "\(hooks)/desk", "OFFBOARD_SECRET_SECURITY_WEBHOOK": "\(hooks)/security"]
        func offboard(_ arguments: [String], at now: String) throws -> CLI.Outcome {
            var environment = scratch.environment.merging(secrets) { $1 }
            environment["OFFBOARD_NOW"] = now
            environment["OFFBOARD_WORKFLOWS"] = "\(CLI.repositoryRoot)/Workflows"
            return try CLI.run(arguments, environment: environment, directory: scratch.directory)
        }

        // Two days before the leave time: HR starts the run; only the schedule is recorded.
        let start = try offboard(["start", "standard-leaver", "--input", "jryan.json", "--by", "hr:amy"], at: "2030-01-05T09:00:00Z")
        #expect(start.status == 0, "\(start.stderr)")
        let run = start.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try offboard(["worker", "--until-idle"], at: "2030-01-05T09:00:05Z").status == 0)
        let early = try CLI.json(try offboard(["status", run, "--format", "json"], at: "2030-01-05T09:00:10Z").stdout)
        let earlySteps = try #require(early["steps"] as? [[String: Any]])
        #expect(earlySteps.first { $0["id"] as? String == "revoke-crm-database" }?["state"] as? String == "scheduled")
        let stillIn = try await TestServers.connect(user: role, password: "jr-pw")
        try await stillIn.close()

        // One minute after the leave time, a worker fires the timers: access ends and is verified.
        let atLeave = try offboard(["worker", "--until-idle"], at: "2030-01-07T17:01:00Z")
        #expect(atLeave.status == 0, "\(atLeave.stderr)")
        do {
            _ = try await TestServers.connect(user: role, password: "jr-pw")
            Issue.record("the leaver can still log in after the leave time")
        } catch let error as PSQLError {
            #expect(error.serverInfo?[.sqlState] == "28000")
        }
        let tasks = try offboard(["tasks", "--format", "json"], at: "2030-01-07T17:02:00Z")
        let open = try #require(try JSONSerialization.jsonObject(with: Data(tasks.stdout.utf8)) as? [[String: Any]])
        #expect(Set(open.compactMap { task in (task["run"] as? String) == run ? "\(task["step"] ?? "")/\(task["item"] as? String ?? "")" : nil })
                == ["reclaim-devices/LT-20931", "reclaim-devices/PH-5512", "destroy-hard-copies/"])

        // Facilities completes the destruction with the certificate; bad evidence is refused first.
        let bad = try offboard(["complete", run, "destroy-hard-copies", "--by", "facilities:lee", "--evidence", "certificate_number=SHR-0042"],
                               at: "2030-01-08T10:00:00Z")
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("missing evidence 'destruction_date'"), "\(bad.stderr)")
        let certificate = ["certificate_number=SHR-2030-0042", "destruction_date=2030-01-08", "method=cross-cut shredding", "containers=2",
                           "destruction_service=Shredall Ltd"]
        let done = try offboard(["complete", run, "destroy-hard-copies", "--by", "facilities:lee"] + certificate.flatMap { ["--evidence", $0] },
                                at: "2030-01-08T10:00:00Z")
        #expect(done.status == 0, "\(done.stderr)")
        #expect(try offboard(["complete", run, "destroy-hard-copies", "--by", "facilities:lee"] + certificate.flatMap { ["--evidence", $0] },
                             at: "2030-01-08T10:01:00Z").status == 1, "completing twice is refused")
        let laptop = try offboard(["complete", run, "reclaim-devices", "--item", "LT-20931", "--by", "it:sam",
                                   "--evidence", "asset_tag=LT-20931", "--evidence", "condition=good"], at: "2030-01-09T12:00:00Z")
        #expect(laptop.status == 0, "\(laptop.stderr)")

        // The phone never comes back: five days after the leave time its deadline passes.
        #expect(try offboard(["worker", "--until-idle"], at: "2030-01-12T17:00:30Z").status == 0)
        let overdue = try offboard(["tasks", "--overdue", "--assignee", "it-service-desk"], at: "2030-01-12T17:01:00Z")
        #expect(overdue.stdout.contains("\(run) reclaim-devices/PH-5512") && overdue.stdout.contains("OVERDUE"), "\(overdue.stdout)")

        let pack = try CLI.json(try offboard(["evidence", run, "--format", "json"], at: "2030-01-12T17:02:00Z").stdout)
        let steps = try #require(pack["steps"] as? [[String: Any]])
        func step(_ id: String, _ item: String? = nil) -> [String: Any]? {
            steps.first { $0["id"] as? String == id && $0["item"] as? String == item }
        }
        #expect((pack["leave_time"] as? [String: Any])?["at"] as? String == "2030-01-07T17:00:00.000Z")
        for id in ["revoke-crm-database", "deactivate-identity"] {
            let seconds = try #require(step(id)?["seconds_after_leave_time"] as? Double, "\(id) is timed")
            #expect(seconds >= 0 && seconds < 120, "\(id) ended \(seconds) s after the leave time")
            #expect((step(id)?["verification"] as? [String: Any])?["holds"] as? Bool == true)
            #expect((step(id)?["deadline"] as? [String: Any])?["outcome"] as? String == "met")
        }
        let destruction = try #require(step("destroy-hard-copies")?["task"] as? [String: Any])
        #expect(destruction["completed_by"] as? String == "facilities:lee")
        #expect((destruction["evidence"] as? [String: Any])?["certificate_number"] as? String == "SHR-2030-0042")
        #expect((destruction["evidence"] as? [String: Any])?["containers"] as? Int == 2)
        let missed = try #require(pack["deadlines_missed"] as? [[String: Any]])
        #expect(missed.count == 1)
        #expect(missed.first?["step"] as? String == "reclaim-devices" && missed.first?["item"] as? String == "PH-5512")
        let escalated = try #require((missed.first?["escalations"] as? [[String: Any]])?.first)
        #expect(escalated["target"] as? String == URL(string: hooks)?.host.map { "\($0):\(URL(string: hooks)?.port ?? 0)" })
        #expect(escalated["http_status"] as? Int == 200 && escalated["state"] as? String == "succeeded")
        #expect(pack["format"] as? String == "offboard-evidence/2")
        for (id, system) in [("revoke-crm-database", "CRM database"), ("deactivate-identity", "identity provider (SSO)")] {
            #expect(step(id)?["removal"] as? String == "removed", "\(id)")
            #expect(step(id)?["system"] as? String == system)
            let report = try #require(step(id)?["removal_report"] as? [String: Any])
            #expect(!((report["removed"] as? [String]) ?? []).isEmpty, "\(id) says what it removed")
            // The test database's user and database are both "postgres", so the target host:port/DATABASE shows the
            // user's marker; the label a person reads never does.
            #expect(report["system"] as? String == system && !"\(report)".contains(scimToken))
        }
        #expect((step("revoke-crm-database")?["removal_report"] as? [String: Any])?["removed"] as? [String] == ["login disabled"])
        let summary = try #require(pack["summary"] as? [String: Any])
        #expect(summary["sentence"] as? String == "Access was removed from 2 systems (CRM database, identity provider (SSO)).")
        #expect(summary["no_access_removed"] as? Bool == false)
        #expect((summary["findings"] as? [String])?.contains("reclaim-devices [PH-5512]: deadline missed") == true)
        #expect((summary["returns"] as? [[String: Any]])?.first?["completed_without_finding"] as? Int == 1)
        #expect((pack["leave_time"] as? [String: Any])?["local"] as? String == "2030-01-07T17:00:00Z")
        let markdown = try offboard(["evidence", run, "--format", "md"], at: "2030-01-12T17:02:00Z").stdout
        #expect(markdown.contains("**Access was removed from 2 systems (CRM database, identity provider (SSO)).**"), "\(markdown)")
        #expect(markdown.contains("(Mon 2030-01-07 17:00 GMT, Europe/London)"), "local time beside UTC")
        let escalation = try #require(step("escalate-overdue", "reclaim-devices:PH-5512"))
        #expect(escalation["state"] as? String == "succeeded")
        let leaver = try #require(pack["leaver"] as? [String: Any])
        #expect((leaver["withheld"] as? [String])?.sorted() == ["email", "full_name"])
        #expect(((pack["chain"] as? [String: Any])?["intact"] as? Bool) == true, "\(pack["chain"] ?? "")")
        let html = try offboard(["evidence", run, "--format", "html"], at: "2030-01-12T17:02:00Z").stdout
        #expect(html.contains("SHR-2030-0042") && html.contains("deadline missed") && !html.contains("<script"))
        #expect(try await TestServers.scimUser(scimID)?["active"] as? Bool == false)

        // The record verifies, and stops verifying after one byte of it changes.
        #expect(try offboard(["verify", run], at: "2030-01-12T17:03:00Z").status == 0)
        let queue = try DatabaseQueue(path: "\(scratch.directory)/runs.sqlite")
        try await queue.write { db in
            try db.execute(sql: "DROP TRIGGER IF EXISTS journal_is_append_only_update")
            try db.execute(sql: "UPDATE journal SET event = replace(event, 'SHR-2030-0042', 'SHR-2030-0043') WHERE run_id = ? AND type = 'step.complete'",
                           arguments: [run])
        }
        let broken = try offboard(["verify", run], at: "2030-01-12T17:04:00Z")
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("was altered"), "\(broken.stdout)")
    }
}

/// The shipped standard-leaver fails safe: an access removal that cannot be done (its secret is missing)
/// escalates as soon as it fails, and the people's tasks carry on; the evidence shows the failure.
@Suite struct StandardLeaverFailSafeTests {
    @Test func aFailedRemovalEscalatesAtOnceAndThePeoplesTasksCarryOn() throws {
        let scratch = try RunCommandTests.Scratch()
        let hooks = try TestServers.httpURL()
        let (scimURL, scimToken) = try TestServers.scim()
        // CRM_DB_URL is not configured: the database step cannot run at all.
        let environment = scratch.environment.merging([
            "OFFBOARD_SECRET_IDP_SCIM_URL": scimURL, "OFFBOARD_SECRET_IDP_SCIM_TOKEN": scimToken,
            "OFFBOARD_SECRET_SERVICE_DESK_WEBHOOK": "\(hooks)/desk", "OFFBOARD_SECRET_SECURITY_WEBHOOK": "\(hooks)/security",
            "OFFBOARD_WORKFLOWS": "\(CLI.repositoryRoot)/Workflows", "OFFBOARD_NOW": "2030-02-01T10:00:00Z",
        ]) { $1 }
        let run = try CLI.run(["run", "standard-leaver", "--set", "employee_id=E777", "--set", "full_name=Sam Fail",
                               "--set", "email=sam-\(UUID().uuidString.prefix(6))@example.com", "--set", "leave_at=now", "--set", "db_role=sam_fail",
                               "--set", #"devices=[{"asset_tag": "LT-9", "type": "laptop"}]"#],
                              environment: environment, directory: scratch.directory)
        let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(run.status == 3, "the run waits for the people's tasks: \(run.stderr)")
        let status = try CLI.json(try CLI.run(["status", id, "--format", "json"], environment: environment, directory: scratch.directory).stdout)
        let steps = try #require(status["steps"] as? [[String: Any]])
        func state(_ id: String) -> String? { steps.first { $0["id"] as? String == id }?["state"] as? String }
        #expect(state("revoke-crm-database") == "failed")
        #expect(steps.first { $0["id"] as? String == "revoke-crm-database" }?["removal"] as? String == "failed")
        #expect(state("escalate-failure") == "succeeded", "security is told at once")
        #expect(state("destroy-hard-copies") == "awaiting-person", "paper is destroyed whatever happened to the database")
        #expect(state("reclaim-devices") == "awaiting-person")
        #expect(state("notify-service-desk") == "cancelled", "nothing claims the removals are done")

        let pack = try CLI.json(try CLI.run(["evidence", id, "--format", "json"], environment: environment, directory: scratch.directory).stdout)
        let findings = ((pack["summary"] as? [String: Any])?["findings"] as? [String]) ?? []
        #expect(findings.contains { $0.hasPrefix("revoke-crm-database: access removal FAILED: secret CRM_DB_URL is not configured") }, "\(findings)")
        let escalation = (pack["steps"] as? [[String: Any]])?.first { $0["id"] as? String == "escalate-failure" }
        #expect(escalation?["state"] as? String == "succeeded")
    }
}
