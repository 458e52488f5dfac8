import Crypto
import Foundation
import HTTPTypes
import Logging
import OffboardRuntime
import PostgresNIO
import TestServerSupport
import Testing

/// The whole story through the API only, the server in process, against the real PostgreSQL, SCIM and HTTP servers: a signed BambooHR-style
/// webhook starts the run (its retry finds the same run), access removal succeeds and verifies, IT's token
/// completes the device task (facilities' may not), facilities completes the destruction, and the auditor's token
/// downloads an evidence pack that verifies.
@Suite struct APIStoryTests {
    /// A BambooHR field-based mapping that also posts the leaver's database role and laptop (custom fields).
    static let mapping = """
        hook: bamboohr
        verify: { scheme: bamboohr, secret: "${secret:BAMBOOHR_WEBHOOK_KEY}" }
        each: event.employees
        employee: item.id
        leaver:
          when: item.fields['Employment Status'].value == 'Terminated'
          playbook: standard-leaver
          effective: "item.fields['Employment Status: Date'].value"
          inputs:
            employee_id: "{{ item.fields['Employee #'].value }}"
            full_name: "{{ item.fields['First Name'].value }} {{ item.fields['Last Name'].value }}"
            email: "{{ item.fields['Work Email'].value }}"
            leave_at: "{{ item.fields['Employment Status: Date'].value }}T17:30"
            db_role: "{{ item.fields['CRM Role'].value }}"
            devices: "{{ item.assets }}"
        """

    @Test(.timeLimit(.minutes(3)))
    func aSignedWebhookToAVerifiedEvidencePackThroughTheAPIOnly() async throws {
        let pgURL = try TestServers.postgresURL(), (scimURL, scimToken) = try TestServers.scim(), http = try TestServers.httpURL()
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        let role = "story_\(suffix)", email = "story-\(suffix)@example.com"
        let admin = try await TestServers.admin()
        _ = try await admin.query(PostgresQuery(unsafeSQL: "CREATE ROLE \(role) LOGIN PASSWORD 'st-pw'"), logger: Logger(label: "test")).collect()
        try await admin.close()
        let scimID = try await TestServers.createSCIMUser(email)

        // The server's clock stands a minute after the leave time, so access goes as soon as the run starts.
        let now = "2030-01-07T17:31:00Z"
        let server = try InProcessServer(files: ["bamboohr.hook.yaml": Self.mapping], secrets: [
            "BAMBOOHR_WEBHOOK_KEY": "bamboo-key", "CRM_DB_URL": pgURL, "IDP_SCIM_URL": scimURL, "IDP_SCIM_TOKEN": scimToken,
            "SERVICE_DESK_WEBHOOK": "\(http)/desk", "SECURITY_WEBHOOK": "\(http)/security",
        ], clock: ShiftedClock(startingAt: try #require(ISO8601DateFormatter().date(from: now))))
        let operatorToken = try await server.token(role: "operator", name: "ops")
        let it = try await server.token(role: "task:it-service-desk", name: "it-sam")
        let facilities = try await server.token(role: "task:facilities", name: "facilities-lee")
        let auditor = try await server.token(role: "auditor", name: "audit-office")

        try await server.serving { client in
            // Before anything runs, HR's live dry run reads the real targets and says what would change; it changes nothing
            // (the revocation below still finds a login to remove), and a plain dry run does not read them at all.
            let leaver: [String: Any] = ["playbook": "standard-leaver", "inputs": ["employee_id": "E318", "full_name": "Robin Vale", "email": email,
                                                                                 "leave_at": "2030-01-07T17:30:00Z", "db_role": role]]
            func preview(_ plan: InProcessServer.Answer, _ step: String) -> [String] {
                (((plan.json["steps"] as? [[String: Any]])?.first { $0["id"] as? String == step }?["action"] as? [String: Any])?["details"] as? [String]) ?? []
            }
            let live = try await client.request(.post, "/v1/plans?live=true", token: operatorToken, json: leaver)
            #expect(live.status == 200, "\(live.text)")
            #expect(preview(live, "revoke-crm-database").contains { $0.hasPrefix("now: role \(role) on ") && $0.hasSuffix(": can log in → cannot") },
                    "\(preview(live, "revoke-crm-database"))")
            #expect(preview(live, "deactivate-identity").contains("now: SCIM user \(scimID): active → inactive"), "\(preview(live, "deactivate-identity"))")
            let blind = try await client.request(.post, "/v1/plans", token: operatorToken, json: leaver)
            #expect(blind.status == 200 && !preview(blind, "revoke-crm-database").isEmpty && !preview(blind, "revoke-crm-database").contains { $0.hasPrefix("now:") },
                    "\(blind.text)")

            let body = try JSONSerialization.data(withJSONObject: ["employees": [[
                "id": "318", "action": "Updated", "changedFields": ["Employment Status"],
                "fields": ["Employee #": ["value": "E318"], "First Name": ["value": "Robin"], "Last Name": ["value": "Vale"], "Work Email": ["value": email],
                           "Employment Status": ["value": "Terminated", "previous": "Full-Time"], "Employment Status: Date": ["value": "2030-01-07"],
                           "CRM Role": ["value": role]],
                "assets": [["asset_tag": "LT-318", "type": "laptop"]],
            ]]] as [String: Any])
            // BambooHR signs a retry anew, with the time it is sent.
            func signed(after seconds: Int) -> [String: String] {
                let timestamp = "\(Int(ISO8601DateFormatter().date(from: now)!.timeIntervalSince1970) + seconds)"
                return ["X-BambooHR-Timestamp": timestamp, "Content-Type": "application/json",
                        "X-BambooHR-Signature": HookTests.hex(SHA256.self, Array(body) + Array(timestamp.utf8), key: "bamboo-key")]
            }
            let delivered = try await client.request(.post, "/v1/hooks/bamboohr", body: body, headers: signed(after: 1))
            #expect(delivered.status == 202, "\(delivered.text)")
            let started = try await InProcessServer.acted(client, operatorToken, delivered)
            let run = try #require(started.run, "\(started.outcome)")
            let duplicate = try await client.request(.post, "/v1/hooks/bamboohr", body: body, headers: signed(after: 2))
            #expect(try await InProcessServer.acted(client, operatorToken, duplicate).run == run, "the retried delivery returns the same run")

            // Access removal succeeds and verifies.
            var steps: [[String: Any]] = []
            for _ in 0..<600 {
                steps = try await client.request(.get, "/v1/runs/\(run)", token: operatorToken).json["steps"] as? [[String: Any]] ?? []
                let tasks = steps.filter { ["reclaim-devices", "destroy-hard-copies"].contains($0["id"] as? String) }
                let removals = steps.filter { ["revoke-crm-database", "deactivate-identity"].contains($0["id"] as? String) }
                if tasks.count == 2, tasks.allSatisfy({ $0["state"] as? String == "awaiting-person" }),
                   removals.count == 2, removals.allSatisfy({ ["succeeded", "failed"].contains($0["state"] as? String) }) { break }
                try await Task.sleep(nanoseconds: 50_000_000)
            }
            for id in ["revoke-crm-database", "deactivate-identity"] {
                let step = steps.first { $0["id"] as? String == id }
                #expect(step?["state"] as? String == "succeeded" && step?["removal"] as? String == "removed", "\(id): \(step ?? [:])")
            }
            do {
                _ = try await TestServers.connect(user: role, password: "st-pw")
                Issue.record("the leaver can still log in to the CRM database")
            } catch let error as PSQLError {
                #expect(error.serverInfo?[.sqlState] == "28000")
            }
            #expect(try await TestServers.scimUser(scimID)?["active"] as? Bool == false)

            // Each task token sees only its own tasks; facilities may not complete IT's.
            // (The device task is one per device, a fan-out item: it is listed once its item is opened, which a loaded
            // machine may show a moment after the step reads awaiting-person.)
            var itTasks: [[String: Any]] = []
            _ = try await eventually(within: 30) {
                itTasks = try await client.request(.get, "/v1/tasks", token: it).items
                return !itTasks.isEmpty
            }
            #expect(itTasks.map { $0["step"] as? String } == ["reclaim-devices"], "\(itTasks)")
            let facilitiesTasks = try await client.request(.get, "/v1/tasks", token: facilities).items
            #expect(facilitiesTasks.map { $0["step"] as? String } == ["destroy-hard-copies"], "\(facilitiesTasks)")
            let before = try await client.request(.get, "/metrics", token: auditor).text
            #expect(before.contains("offboard_tasks_open{assignee=\"facilities\"} 1.0") && before.contains("offboard_tasks_open{assignee=\"it-service-desk\"} 1.0"),
                    "\(before)")
            let device = ["item": "LT-318", "evidence": ["asset_tag": "LT-318", "condition": "good"]] as [String: Any]
            let refused = try await client.request(.post, "/v1/runs/\(run)/tasks/reclaim-devices/complete", token: facilities, json: device)
            #expect(refused.status == 403, "\(refused.text)")
            let returned = try await client.request(.post, "/v1/runs/\(run)/tasks/reclaim-devices/complete", token: it, json: device)
            #expect(returned.status == 200, "\(returned.text)")
            let certificate = ["certificate_number": "SHR-2030-0318", "destruction_date": "2030-01-07", "method": "cross-cut shredding", "containers": "1",
                               "destruction_service": "Shredall Ltd"]
            let destroyed = try await client.request(.post, "/v1/runs/\(run)/tasks/destroy-hard-copies/complete", token: facilities, json: ["evidence": certificate])
            #expect(destroyed.status == 200, "\(destroyed.text)")

            // The auditor downloads the evidence pack, and the chain verifies.
            let pack = try await client.request(.get, "/v1/runs/\(run)/evidence", token: auditor).json
            let packSteps = pack["steps"] as? [[String: Any]] ?? []
            func step(_ id: String, _ item: String? = nil) -> [String: Any]? { packSteps.first { $0["id"] as? String == id && $0["item"] as? String == item } }
            for id in ["revoke-crm-database", "deactivate-identity"] {
                #expect(step(id)?["removal"] as? String == "removed")
                #expect((step(id)?["verification"] as? [String: Any])?["holds"] as? Bool == true)
            }
            #expect((step("reclaim-devices", "LT-318")?["task"] as? [String: Any])?["completed_by"] as? String == "it-sam")
            #expect((step("destroy-hard-copies")?["task"] as? [String: Any])?["completed_by"] as? String == "facilities-lee")
            #expect((pack["run"] as? [String: Any])?["triggered_by"] as? String == "hook:bamboohr")
            let markdown = try await client.request(.get, "/v1/runs/\(run)/evidence?format=md", token: auditor)
            #expect(markdown.headers["content-type"]?.hasPrefix("text/markdown") == true && markdown.text.contains("SHR-2030-0318"))
            let html = try await client.request(.get, "/v1/runs/\(run)/evidence?format=html", token: auditor)
            #expect(html.headers["content-type"]?.hasPrefix("text/html") == true && html.text.contains("SHR-2030-0318") && html.text.contains("</html>"),
                    "\(html.headers)")
            let verified = try await client.request(.get, "/v1/runs/\(run)/verify", token: auditor).json
            #expect(verified["intact"] as? Bool == true, "\(verified)")

            // Metrics saw the verified removals, timed from the leave time.
            let metrics = try await client.request(.get, "/metrics", token: auditor).text
            #expect(metrics.contains("offboard_time_to_revoke_seconds_count{handler=\"postgres.revoke\"} 1"), "\(metrics)")
            #expect(metrics.contains("offboard_time_to_revoke_seconds_count{handler=\"scim.deactivate\"} 1"))
            #expect(metrics.contains("offboard_tasks_open{assignee=\"line-manager\"} 1.0"), "the manager's confirmation is what is left")
            #expect(metrics.contains("offboard_tasks_open{assignee=\"facilities\"} 0.0"), "a task done reads 0, not its last count")
            #expect(metrics.contains("offboard_runs{state=\"waiting\"} 1.0"))
        }
    }
}
