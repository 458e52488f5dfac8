import Foundation
import NIOHTTP1
import Testing

/// Bulk leaver files, from the command line and over HTTP: every row is checked before anything starts, problems
/// name their row and column, and importing the same file again starts nothing new.
@Suite struct ImportTests {
    static let good = """
        employee_id,full_name,email,leave_at,devices
        E1,"Ryan, Jordan",jr@example.com,2030-01-07T17:00:00Z,"[{""asset_tag"": ""LT-1"", ""type"": ""laptop""}]"
        E2,Sam Lee,sam@example.com,2030-01-08T17:00,

        """

    @Test func everyRowIsCheckedFirstThenEachStartsOnce() throws {
        let scratch = try RunCommandTests.Scratch()
        let environment = scratch.environment.merging(["OFFBOARD_WORKFLOWS": "\(CLI.repositoryRoot)/Workflows"]) { $1 }
        try scratch.write("leavers.csv", Self.good)
        let plan = try CLI.run(["import", "leavers.csv", "--playbook", "standard-leaver", "--dry-run"], environment: environment, directory: scratch.directory)
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("row 2:\nDry run of standard-leaver") && plan.stdout.contains("row 3:\nDry run of standard-leaver"))
        #expect(plan.stdout.contains("full_name=Ryan, Jordan"), "a quoted comma stays in its cell")
        #expect(!FileManager.default.fileExists(atPath: "\(scratch.directory)/runs.sqlite"), "a dry run writes no database")

        try scratch.write("bad.csv", """
            employee_id,full_name,email,leave_at
            E1,Jordan Ryan,not-an-email,2030-13-01
            E2,Sam Lee,sam@example.com,2030-01-08T17:00
            E3,Kim,kim@example.com
            E4,Lee Chan,lee@example.com,
            """)
        let bad = try CLI.run(["import", "bad.csv", "--playbook", "standard-leaver"], environment: environment, directory: scratch.directory)
        #expect(bad.status == 65)
        for line in ["bad.csv:2:3: error: email: input 'email': expected an email address",
                     "bad.csv:2:4: error: leave_at: input 'leave_at': expected a date-time",
                     "bad.csv:4: error: row 4 has 3 cells; the header has 4",
                     "bad.csv:5:1: error: leave_at: missing required input 'leave_at'",
                     "3 of 4 row(s) have problems; nothing was started"] {
            #expect(bad.stderr.contains(line), "\(line)\n\(bad.stderr)")
        }
        let listed = try CLI.run(["list", "--format", "json"], environment: environment, directory: scratch.directory)
        #expect((try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [Any])?.isEmpty == true, "nothing was started: \(listed.stdout)")

        let first = try CLI.run(["import", "leavers.csv", "--playbook", "standard-leaver", "--format", "json"], environment: environment, directory: scratch.directory)
        #expect(first.status == 0, "\(first.stderr)")
        let rows = try #require(try CLI.json(first.stdout)["rows"] as? [[String: Any]])
        #expect(rows.map { $0["outcome"] as? String } == ["started", "started"])
        let again = try CLI.json(try CLI.run(["import", "leavers.csv", "--playbook", "standard-leaver", "--format", "json"], environment: environment,
                                             directory: scratch.directory).stdout)
        let repeated = try #require(again["rows"] as? [[String: Any]])
        #expect(repeated.map { $0["outcome"] as? String } == ["existing", "existing"])
        #expect(repeated.map { $0["run"] as? String } == rows.map { $0["run"] as? String }, "the same runs")
        let status = try CLI.json(try CLI.run(["status", rows[0]["run"] as! String, "--format", "json"], environment: environment, directory: scratch.directory).stdout)
        #expect((status["steps"] as? [[String: Any]])?.contains { $0["id"] as? String == "reclaim-devices" } == true)
    }

    @Test func overHTTPABadRowIs422NamingItsRowAndColumnAndNothingStarts() async throws {
        let server = try await ServeProcess()
        defer { server.stop() }
        let hr = try await server.token(role: "hr", name: "hr-amy")
        let jsonl = """
            {"employee_id": "E7", "full_name": "Ana Lima", "email": "ana@example.com", "leave_at": "2030-03-01T17:00:00Z"}

            {"employee_id": "E8", "full_name": "Bo Chen", "email": 8, "leave_at": "2030-03-01T17:00:00Z"}
            """
        let refused = try await server.request(.POST, "/v1/imports?playbook=standard-leaver", token: hr, body: Data(jsonl.utf8),
                                               headers: ["Content-Type": "application/x-ndjson"])
        #expect(refused.status == 422, "\(refused.text)")
        let errors = try #require(refused.json["errors"] as? [[String: Any]])
        #expect(errors.count == 1 && errors[0]["line"] as? Int == 3 && errors[0]["field"] as? String == "email", "\(errors)")
        #expect(try await server.request(.GET, "/v1/runs", token: hr).items.isEmpty, "nothing started")

        let fixed = jsonl.replacingOccurrences(of: "\"email\": 8", with: "\"email\": \"bo@example.com\"")
        // A dry run shows each row's plan and starts nothing.
        let planned = try await server.request(.POST, "/v1/imports?playbook=standard-leaver&dry_run=true", token: hr, body: Data(fixed.utf8),
                                               headers: ["Content-Type": "application/x-ndjson"])
        #expect(planned.status == 200, "\(planned.text)")
        let plannedRows = planned.json["rows"] as? [[String: Any]] ?? []
        #expect(plannedRows.map { $0["outcome"] as? String } == ["planned", "planned"], "\(planned.text)")
        #expect(plannedRows.allSatisfy { (($0["plan"] as? [String: Any])?["steps"] as? [Any])?.isEmpty == false }, "each row carries its plan")
        #expect(try await server.request(.GET, "/v1/runs", token: hr).items.isEmpty, "a dry run starts nothing")
        #expect(try await server.request(.POST, "/v1/imports?playbook=standard-leaver&dry_run=maybe", token: hr, body: Data(fixed.utf8),
                                         headers: ["Content-Type": "application/x-ndjson"]).status == 400)
        let accepted = try await server.request(.POST, "/v1/imports?playbook=standard-leaver", token: hr, body: Data(fixed.utf8),
                                                headers: ["Content-Type": "application/x-ndjson"])
        #expect(accepted.status == 200, "\(accepted.text)")
        #expect((accepted.json["rows"] as? [[String: Any]])?.map { $0["outcome"] as? String } == ["started", "started"])
        let again = try await server.request(.POST, "/v1/imports?playbook=standard-leaver", token: hr, body: Data(fixed.utf8),
                                             headers: ["Content-Type": "application/x-ndjson"])
        #expect((again.json["rows"] as? [[String: Any]])?.map { $0["outcome"] as? String } == ["existing", "existing"])
        let runs = try await server.request(.GET, "/v1/runs", token: hr).items
        #expect(runs.count == 2 && runs.allSatisfy { $0["created_by"] as? String == "hr-amy" })
        #expect(try await server.request(.POST, "/v1/imports?playbook=standard-leaver", token: hr, body: Data("x".utf8),
                                         headers: ["Content-Type": "application/pdf"]).status == 415)
    }
}
