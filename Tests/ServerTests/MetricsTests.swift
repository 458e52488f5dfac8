import Foundation
import HTTPTypes
import OffboardRuntime
import TestServerSupport
import Testing

/// `/metrics` through the server's router in process, series by series, read the way a Prometheus alert would: step attempts and durations
/// by handler, overdue steps (up when a deadline passes, back to 0 once the step is done), tasks open per assignee,
/// and HR deliveries refused by their source's verification. (APIStoryTests covers the time-to-revoke histogram
/// against real PostgreSQL and SCIM servers.)
@Suite struct MetricsTests {
    static let playbook = """
        playbook: metered
        version: 1
        inputs:
          employee_id: { type: string }
          leave_at: { type: datetime }
        steps:
          - id: note
            uses: log
            with: { message: "leaver {{ inputs.employee_id }}" }
          - id: collect
            needs: [note]
            uses: task
            deadline: "{{ inputs.leave_at + 1d }}"
            with:
              assignee: it
              title: "Collect the laptop of {{ inputs.employee_id }}"
        """

    static let hook = """
        hook: metered-hr
        verify: { scheme: bearer, secret: "${secret:METERED_HOOK}" }
        employee: event.employee_id
        leaver:
          when: event.status == 'terminated'
          playbook: metered
          effective: event.last_day
          inputs: { employee_id: "{{ event.employee_id }}", leave_at: "{{ event.last_day }}T17:00:00Z" }
        """

    /// The value of the series named exactly `series` (name and labels), or nil when the scrape has no such line.
    static func value(_ series: String, in scrape: String) -> Double? {
        scrape.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test(.timeLimit(.minutes(2)))
    func attemptsDurationsOverdueStepsOpenTasksAndRefusedDeliveries() async throws {
        let server = try InProcessServer(files: ["metered.yaml": Self.playbook, "metered.hook.yaml": Self.hook], secrets: ["METERED_HOOK": "metered-token"])
        let ops = try await server.token(role: "operator", name: "ops")
        let auditor = try await server.token(role: "auditor", name: "audit")
        try await server.serving { client in

            // A leaver who left in 2020: the laptop was due the day after, so the task is overdue as soon as it opens.
            let started = try await client.request(.post, "/v1/runs", token: ops,
                                                   json: ["playbook": "metered", "inputs": ["employee_id": "E1", "leave_at": "2020-01-01T17:00:00Z"]])
            try #require(started.status == 201, "\(started.text)")
            let run = try #require(started.json["id"] as? String)
            let waiting = try await eventually { try await client.request(.get, "/v1/runs/\(run)", token: ops).json["state"] as? String == "waiting" }
            try #require(waiting, "the run waits for IT")

            // (A step's metrics are counted as the worker records it, just after the journal's commit: read until settled.)
            var during = try await client.request(.get, "/metrics", token: auditor)
            _ = try await eventually {
                during = try await client.request(.get, "/metrics", token: auditor)
                return Self.value(#"offboard_step_duration_seconds_count{handler="log",outcome="succeeded"}"#, in: during.text) == 1
                    && Self.value(#"offboard_step_attempts_total{handler="task"}"#, in: during.text) == 1
            }
            #expect(during.status == 200 && during.headers["content-type"]?.hasPrefix("text/plain") == true)
            #expect(Self.value(#"offboard_step_attempts_total{handler="log"}"#, in: during.text) == 1, "\(during.text)")
            #expect(Self.value(#"offboard_step_attempts_total{handler="task"}"#, in: during.text) == 1, "\(during.text)")
            #expect(Self.value(#"offboard_step_duration_seconds_count{handler="log",outcome="succeeded"}"#, in: during.text) == 1, "\(during.text)")
            #expect(Self.value(#"offboard_steps_overdue{playbook="metered"}"#, in: during.text) == 1, "\(during.text)")
            #expect(Self.value(#"offboard_tasks_open{assignee="it"}"#, in: during.text) == 1, "\(during.text)")
            #expect(Self.value(#"offboard_runs{state="waiting"}"#, in: during.text) == 1, "\(during.text)")
            #expect(try await client.request(.get, "/v1/runs?overdue=true", token: ops).items.map { $0["id"] as? String } == [run])

            // Two deliveries with the wrong bearer token: refused, and counted under their source.
            let event = Data(#"{"employee_id": "E2", "status": "terminated", "last_day": "2030-01-01"}"#.utf8)
            for wrong in ["Bearer metered-tokem", "Bearer "] {
                let refused = try await client.request(.post, "/v1/hooks/metered-hr", body: event, headers: ["Authorization": wrong, "Content-Type": "application/json"])
                #expect(refused.status == 401, "\(refused.text)")
            }

            // Done late is still done: the overdue step and the open task read 0, not their last count.
            let done = try await client.request(.post, "/v1/runs/\(run)/tasks/collect/complete", token: ops, json: ["evidence": [String: Any]()])
            #expect(done.status == 200, "\(done.text)")
            var after = ""
            _ = try await eventually {
                after = try await client.request(.get, "/metrics", token: auditor).text
                return Self.value(#"offboard_runs{state="succeeded"}"#, in: after) == 1
                    && Self.value(#"offboard_step_duration_seconds_count{handler="task",outcome="succeeded"}"#, in: after) == 1
            }
            #expect(Self.value(#"offboard_hook_refusals_total{source="metered-hr"}"#, in: after) == 2, "\(after)")
            #expect(Self.value(#"offboard_steps_overdue{playbook="metered"}"#, in: after) == 0, "\(after)")
            #expect(Self.value(#"offboard_tasks_open{assignee="it"}"#, in: after) == 0, "\(after)")
            #expect(Self.value(#"offboard_step_duration_seconds_count{handler="task",outcome="succeeded"}"#, in: after) == 1, "\(after)")
            #expect(Self.value(#"offboard_runs{state="succeeded"}"#, in: after) == 1, "\(after)")
            // Requests by the route's pattern, never by a path that names a run.
            #expect(Self.value(#"offboard_http_requests_total{route="/v1/runs/{id}",method="GET",code="200"}"#, in: after).map { $0 >= 1 } == true, "\(after)")
            #expect(!after.contains(run), "a series named a run")
            try Self.promtoolAccepts(after)
        }
    }

    /// Prometheus's own checker reads the exposition as a Prometheus server would: every series has its help text
    /// and follows the naming conventions (units in the name, `_total` on counters).
    static func promtoolAccepts(_ scrape: String) throws {
        let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let path = try #require(promtool, "promtool is not installed (scripts/setup.sh installs Debian's prometheus)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(scrape.utf8))
        try input.fileHandleForWriting.close()
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "promtool check metrics: \(said)\n\(scrape)")
    }
}
