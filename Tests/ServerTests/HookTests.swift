import Crypto
import Foundation
import HTTPTypes
import GRDB
import OffboardRuntime
import OffboardServer
import Playbook
import Testing

/// The HR webhooks against the server in process with the shipped mappings (Workflows/hooks): each vendor's scheme
/// with a payload shaped like its documentation, replays, stale and forged deliveries, and idempotency by the leaver.
@Suite struct HookTests {
    static let secrets = ["BAMBOOHR_WEBHOOK_KEY": "bamboo-private-key", "HIBOB_WEBHOOK_SECRET": "bob-secret", "DEEL_WEBHOOK_SECRET": "deel-signing-key",
                          "HR_EVENTS_WEBHOOK_SECRET": "whsec_" + Data("standard-webhooks-key".utf8).base64EncodedString(),
                          "NIGHTLY_EXPORT_TOKEN": "nightly-token"]

    /// The shipped playbooks and hook mappings, served as `offboard serve --hooks Workflows/hooks` serves them.
    static func server() throws -> InProcessServer {
        try InProcessServer(secrets: secrets, hooks: "\(InProcessServer.repositoryRoot)/Workflows/hooks")
    }

    static func hex<H: HashFunction>(_: H.Type, _ data: [UInt8], key: String) -> String {
        HMAC<H>.authenticationCode(for: data, using: SymmetricKey(data: Array(key.utf8))).lowercaseHex
    }

    /// A BambooHR field-based delivery: one employee whose Employment Status changed.
    static func bamboo(id: String, status: String, previous: String, date: String, marker: String = "Ryan") -> Data {
        let body: [String: Any] = ["employees": [[
            "id": id, "action": "Updated", "timestamp": "2026-12-01T10:00:00+00:00",
            "changedFields": ["Employment Status", "Employment Status: Date"],
            "fields": [
                "Employee #": ["value": "E\(id)"], "First Name": ["value": "Jordan"], "Last Name": ["value": marker],
                "Work Email": ["value": "j.ryan\(id)@example.com"],
                "Employment Status": ["value": status, "previous": previous], "Employment Status: Date": ["value": date, "previous": ""],
            ],
        ]]]
        return try! JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
    }

    static func bambooHeaders(_ body: Data, timestamp: String = "\(Int(Date().timeIntervalSince1970))", key: String = "bamboo-private-key") -> [String: String] {
        ["X-BambooHR-Timestamp": timestamp, "X-BambooHR-Signature": hex(SHA256.self, Array(body) + Array(timestamp.utf8), key: key),
         "Content-Type": "application/json"]
    }

    /// Posts a delivery; returns the answer.
    static func deliver(_ client: InProcessServer.Client, _ source: String, _ body: Data, _ headers: [String: String]) async throws -> InProcessServer.Answer {
        try await client.request(.post, "/v1/hooks/\(source)", body: body, headers: headers)
    }

    /// Waits until the event is acted on; returns its outcome and run.
    static func acted(_ client: InProcessServer.Client, _ token: String, _ answer: InProcessServer.Answer) async throws -> (outcome: String, run: String?) {
        try await InProcessServer.acted(client, token, answer)
    }

    @Test(.timeLimit(.minutes(2)))
    func bambooHRStartsOnceByLeaverRefusesReplaysForgeriesAndStaleDeliveriesAndMovesTheDate() async throws {
        let server = try Self.server()
        let token = try await server.token(role: "operator", name: "ops")
        try await server.serving { client in
            let body = Self.bamboo(id: "4711", status: "Terminated", previous: "Full-Time", date: "2030-06-30", marker: "Ryan-MARKER-7")
            let headers = Self.bambooHeaders(body)
            let first = try await Self.deliver(client, "bamboohr", body, headers)
            #expect(first.status == 202, "\(first.text)")
            let started = try await Self.acted(client, token, first)
            let run = try #require(started.run, "\(started.outcome)")
            #expect(started.outcome.contains("started run \(run) (standard-leaver, effective 2030-06-30)"), "\(started.outcome)")
            let status = try await client.request(.get, "/v1/runs/\(run)", token: token).json
            #expect(status["created_by"] as? String == "hook:bamboohr")

            // The same delivery again (a replay): refused, and nothing new; also with its signature spelled otherwise.
            let replay = try await Self.deliver(client, "bamboohr", body, headers)
            #expect(replay.status == 409, "\(replay.text)")
            // The refusal names the first event and its run, so a vendor retrying a delivery it thought lost learns the run.
            #expect(replay.json["run"] as? String == run && replay.headers["location"] == first.headers["location"], "\(replay.text) \(replay.headers)")
            #expect(replay.json["detail"] as? String == "a delivery with this id from bamboohr is recorded as event 1; its run is \(run)", "\(replay.text)")
            var respelled = headers
            respelled["X-BambooHR-Signature"] = "sha256=" + headers["X-BambooHR-Signature"]!.uppercased()
            #expect(try await Self.deliver(client, "bamboohr", body, respelled).status == 409, "a replay reworded is still a replay")
            // Once acted on, the HR system's payload (names, emails) is not kept.
            let kept = try await server.runtime.store.hookEventStatus(1)
            #expect(kept?.outcome != nil)
            let queue = try DatabaseQueue(path: server.databasePath)
            let bodies = try await queue.read { db in try Data.fetchAll(db, sql: "SELECT body FROM hook_events WHERE handled_at IS NOT NULL") }
            #expect(!bodies.isEmpty && bodies.allSatisfy(\.isEmpty), "the bodies of acted-on events are cleared")
            // BambooHR's retry is the same event signed anew (a later timestamp): the same leaver and date find the first run.
            let later = "\(Int(Date().timeIntervalSince1970) + 1)"
            let retried = try await Self.deliver(client, "bamboohr", body, Self.bambooHeaders(body, timestamp: later))
            #expect(retried.status == 202, "\(retried.text)")
            let again = try await Self.acted(client, token, retried)
            #expect(again.run == run && again.outcome.contains("a repeat of the event that started run \(run)"), "\(again.outcome)")

            // Forged and stale deliveries are refused, counted in the log, and the body never reaches the log.
            var forged = headers
            forged["X-BambooHR-Signature"] = Self.hex(SHA256.self, Array(body) + Array(headers["X-BambooHR-Timestamp"]!.utf8), key: "wrong-key")
            #expect(try await Self.deliver(client, "bamboohr", body, forged).status == 401)
            let stale = try await Self.deliver(client, "bamboohr", body, Self.bambooHeaders(body, timestamp: "\(Int(Date().timeIntervalSince1970) - 360)"))
            #expect(stale.status == 401)
            #expect(stale.json["detail"] as? String ?? "" == "X-BambooHR-Timestamp is 360 s from now, outside the 300 s window (a replay, or a clock that is wrong)"
                    || (stale.json["detail"] as? String ?? "").contains("outside the 300 s window"), "\(stale.text)")
            let iso = try await Self.deliver(client, "bamboohr", Self.bamboo(id: "4712", status: "Active", previous: "Active", date: "2030-01-01"),
                                             Self.bambooHeaders(Self.bamboo(id: "4712", status: "Active", previous: "Active", date: "2030-01-01"),
                                                                timestamp: ISO8601DateFormatter().string(from: Date())))
            #expect(iso.status == 202, "an ISO 8601 timestamp is read too: \(iso.text)")
            #expect(try await Self.acted(client, token, iso).outcome.contains("not a leaver event; ignored"))
            #expect(server.log.contains("hook bamboohr: refused a delivery"))
            #expect(!server.log.contains("MARKER"), "the log holds a delivery's body")

            // A later event that moves the date reschedules the run, journaled with the source as the actor.
            let moved = Self.bamboo(id: "4711", status: "Terminated", previous: "Full-Time", date: "2030-07-31")
            let rescheduled = try await Self.acted(client, token, try await Self.deliver(client, "bamboohr", moved, Self.bambooHeaders(moved)))
            #expect(rescheduled.run == run && rescheduled.outcome.contains("rescheduled, leave_at → 2030-07-31T17:30"), "\(rescheduled.outcome)")
            let history = try await client.request(.get, "/v1/runs/\(run)/history", token: token).items.compactMap { $0["text"] as? String }
            #expect(history.contains { $0.hasPrefix("rescheduled by hook:bamboohr: leave_at → 2030-07-31T17:30") && $0.contains("from 2030-06-30 to 2030-07-31") }, "\(history)")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func hiBobDeelStandardWebhooksAndBearerEachVerifyTheirOwnWay() async throws {
        let server = try Self.server()
        let token = try await server.token(role: "operator", name: "ops")
        try await server.serving { client in

            // HiBob employee.left: Bob-Signature is the base64 HMAC-SHA512 of the body.
            let bob = try JSONSerialization.data(withJSONObject: [
                "companyId": 639_288, "type": "employee.left", "triggeredBy": "3332883884017713238", "triggeredAt": "2030-03-01T00:00:00Z", "version": "v2",
                "data": ["employeeId": "3332883884017713240", "displayName": "Ana Lima", "email": "ana.lima@example.com"],
            ] as [String: Any])
            let bobSignature = Data(HMAC<SHA512>.authenticationCode(for: bob, using: SymmetricKey(data: Array("bob-secret".utf8)))).base64EncodedString()
            let bobAnswer = try await Self.deliver(client, "hibob", bob, ["Bob-Signature": bobSignature])
            #expect(bobAnswer.status == 202, "\(bobAnswer.text)")
            #expect(try await Self.acted(client, token, bobAnswer).outcome.contains("started run"))
            #expect(try await Self.deliver(client, "hibob", bob, ["Bob-Signature": Data(repeating: 1, count: 64).base64EncodedString()]).status == 401)

            // Deel: x-deel-signature is the hex HMAC-SHA256 of "POST" + body; the tracking id is the delivery id.
            let deel = try JSONSerialization.data(withJSONObject: [
                "data": ["meta": ["event_type": "contract.terminated", "event_type_id": "12", "organization_id": "org-1", "tracking_id": "trk-88"],
                         "resource": ["id": "contract-9", "termination_date": "2030-04-15",
                                      "employee": ["id": "deel-77", "full_name": "Sam Okafor", "work_email": "sam.okafor@example.com"]]],
                "timestamp": "2026-12-01T10:00:00.000Z",
            ] as [String: Any])
            let deelHeaders = ["x-deel-signature": Self.hex(SHA256.self, Array("POST".utf8) + Array(deel), key: "deel-signing-key"), "x-deel-hmac-label": "offboard"]
            let deelAnswer = try await Self.deliver(client, "deel", deel, deelHeaders)
            #expect(deelAnswer.status == 202, "\(deelAnswer.text)")
            #expect(try await Self.acted(client, token, deelAnswer).outcome.contains("started run"))
            #expect(try await Self.deliver(client, "deel", deel, deelHeaders).status == 409, "the same tracking id twice is a replay")
            var unsigned = deelHeaders
            unsigned["x-deel-signature"] = Self.hex(SHA256.self, Array(deel), key: "deel-signing-key")
            #expect(try await Self.deliver(client, "deel", deel, unsigned).status == 401, "without the POST prefix it does not verify")

            // Standard Webhooks: v1,<base64 HMAC-SHA256 of id.timestamp.body>, keyed by the decoded whsec_ secret;
            // one valid signature among several (a key being rotated) is enough.
            let event = try JSONSerialization.data(withJSONObject: [
                "type": "employee.terminated", "timestamp": "2026-12-01T10:00:00Z",
                "data": ["employee_id": "E-900", "name": "Kim Park", "email": "kim.park@example.com", "last_working_day": "2030-05-01", "timezone": "Asia/Seoul"],
            ] as [String: Any])
            func standard(_ id: String, _ timestamp: Int, _ body: Data) -> [String: String] {
                let signature = Data(HMAC<SHA256>.authenticationCode(for: Array("\(id).\(timestamp).".utf8) + Array(body),
                                                                     using: SymmetricKey(data: Array("standard-webhooks-key".utf8)))).base64EncodedString()
                return ["webhook-id": id, "webhook-timestamp": "\(timestamp)", "webhook-signature": "v1,\(Data(repeating: 7, count: 32).base64EncodedString()) v1,\(signature)"]
            }
            let now = Int(Date().timeIntervalSince1970)
            let standardAnswer = try await Self.deliver(client, "hr-events", event, standard("msg_2Kx1", now, event))
            #expect(standardAnswer.status == 202, "\(standardAnswer.text)")
            let standardRun = try await Self.acted(client, token, standardAnswer)
            #expect(standardRun.outcome.contains("started run"), "\(standardRun.outcome)")
            let started = try await client.request(.get, "/v1/runs/\(try #require(standardRun.run))", token: token).json
            #expect(started["state"] as? String != nil)
            #expect(try await Self.deliver(client, "hr-events", event, standard("msg_2Kx1", now, event)).status == 409, "webhook-id replayed")
            #expect(try await Self.deliver(client, "hr-events", event, standard("msg_2Kx2", now - 600, event)).status == 401, "ten minutes old")

            // Bearer: the shared token, compared in constant time.
            let leaver = try JSONSerialization.data(withJSONObject: ["employee_id": "N-1", "full_name": "Lee Chan", "email": "lee.chan@example.com",
                                                                     "status": "terminated", "leave_at": "2030-02-01T17:00:00Z"])
            #expect(try await Self.deliver(client, "nightly-export", leaver, ["Authorization": "Bearer nightly-tokem"]).status == 401)
            let bearer = try await Self.deliver(client, "nightly-export", leaver, ["Authorization": "Bearer nightly-token"])
            #expect(bearer.status == 202)
            #expect(try await Self.acted(client, token, bearer).outcome.contains("started run"))
            #expect(try await Self.deliver(client, "nope", leaver, [:]).status == 404)
            // A verified delivery that is not a JSON object (empty, a list without `each:`, not JSON) is refused before it
            // is recorded: sent again, it is refused the same way, not as a replay of something recorded.
            for malformed in ["", "[]", "employee_id=N-2", "{\"employee_id\": ", "[]"] {
                let refused = try await Self.deliver(client, "nightly-export", Data(malformed.utf8), ["Authorization": "Bearer nightly-token"])
                #expect(refused.status == 400 && refused.json["detail"] as? String == "the delivery's body must be a JSON object", "\(malformed): \(refused.text)")
            }
            #expect(server.log.contains("hook nightly-export: refused a verified delivery of 0 bytes that is not a JSON object"))

            // One element without an employee is skipped alone; the leaver beside it still starts.
            let two = Self.bamboo(id: "77", status: "Terminated", previous: "Full-Time", date: "2030-09-01")
            var object = try #require(try JSONSerialization.jsonObject(with: two) as? [String: Any])
            var employees = try #require(object["employees"] as? [[String: Any]])
            employees.insert(["action": "Updated", "fields": [String: Any]()], at: 0)
            object["employees"] = employees
            let mixed = try JSONSerialization.data(withJSONObject: object)
            let outcome = try await Self.acted(client, token, try await Self.deliver(client, "bamboohr", mixed, Self.bambooHeaders(mixed)))
            #expect(outcome.outcome.contains("element 1 has no employee; it is skipped") && outcome.outcome.contains("started run"), "\(outcome.outcome)")
        }
    }

    /// An integration that posts a list of leavers (`each: event`): the list is read element by element, and a body
    /// that is neither an object nor a list is refused before it is recorded.
    @Test(.timeLimit(.minutes(2)))
    func aListOfLeaversIsReadWithEachEvent() async throws {
        let server = try InProcessServer(files: [
            "listed.yaml": """
                playbook: listed
                version: 1
                inputs: { employee_id: { type: string } }
                steps: [{ id: note, uses: log, with: { message: "leaver {{ inputs.employee_id }}" } }]
                """,
            "batch.hook.yaml": """
                hook: batch
                verify: { scheme: bearer, secret: "${secret:BATCH_HOOK}" }
                each: event
                employee: item.employee_id
                leaver: { when: item.status == 'terminated', playbook: listed, effective: item.day, inputs: { employee_id: "{{ item.employee_id }}" } }
                """,
        ], secrets: ["BATCH_HOOK": "batch-token"])
        let token = try await server.token(role: "operator", name: "ops")
        try await server.serving { client in
            let bearer = ["Authorization": "Bearer batch-token", "Content-Type": "application/json"]
            let list = Data(#"[{"employee_id": "B1", "status": "terminated", "day": "2030-01-01"}, {"employee_id": "B2", "status": "terminated", "day": "2030-01-01"}]"#.utf8)
            let delivered = try await Self.deliver(client, "batch", list, bearer)
            #expect(delivered.status == 202, "\(delivered.text)")
            let outcome = try await Self.acted(client, token, delivered).outcome
            #expect(outcome.components(separatedBy: "started run").count == 3, "both leavers start: \(outcome)")
            let refused = try await Self.deliver(client, "batch", Data("B3,terminated".utf8), bearer)
            #expect(refused.status == 400 && refused.json["detail"] as? String == "the delivery's body must be a JSON object or list", "\(refused.text)")
        }
    }
}
