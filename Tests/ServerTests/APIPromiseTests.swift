import Foundation
import HTTPTypes
import OffboardRuntime
import Testing

/// The API's own promises, in process: Idempotency-Key under a race, the list filters, field-by-field problems that
/// never echo a value, a playbook named only by name, no null for a field, and the body limit.
@Suite struct APIPromiseTests {
    static func leaver(_ id: String, leaveAt: String = "2030-01-07T17:00:00Z") -> [String: Any] {
        ["playbook": "standard-leaver", "inputs": ["employee_id": id, "full_name": "Ana \(id)", "email": "\(id.lowercased())@example.com", "leave_at": leaveAt]]
    }

    @Test(.timeLimit(.minutes(2)))
    func tenRacingStartsWithOneKeyMakeOneRun() async throws {
        let server = try InProcessServer()
        let hr = try await server.token(role: "hr", name: "hr-portal")
        try await server.serving { client in try await Self.racingStarts(server, client, hr: hr) }
    }

    static func racingStarts(_ inProcess: InProcessServer, _ server: InProcessServer.Client, hr: String) async throws {
        let answers = try await withThrowingTaskGroup(of: InProcessServer.Answer.self) { group in
            for _ in 0..<10 {
                group.addTask { try await server.request(.post, "/v1/runs", token: hr, json: Self.leaver("E1"), headers: ["Idempotency-Key": "ticket-4711"]) }
            }
            var all: [InProcessServer.Answer] = []
            for try await answer in group { all.append(answer) }
            return all
        }
        #expect(answers.filter { $0.status == 201 }.count == 1, "\(answers.map(\.status))")
        #expect(answers.filter { $0.status == 200 }.count == 9)
        #expect(Set(answers.compactMap { $0.json["id"] as? String }).count == 1, "every answer names the same run")
        let other = try await server.request(.post, "/v1/runs", token: hr, json: Self.leaver("E2"), headers: ["Idempotency-Key": "ticket-4711"])
        #expect(other.status == 422 && (other.json["detail"] as? String ?? "").contains("with a different value of '"), "\(other.text)")
        #expect(!other.text.contains("E2"), "the problem names the field, not its value")
        #expect(try await server.request(.get, "/v1/runs", token: hr).items.count == 1)
        // No token may pass for an HR system in the journal.
        await #expect(throws: TokenIssuer.Refusal.self) { _ = try await inProcess.token(role: "hr", name: "hook:bamboohr") }
    }

    @Test(.timeLimit(.minutes(2)))
    func theListFiltersAndTheBodyLimit() async throws {
        let server = try InProcessServer()
        let ops = try await server.token(role: "operator", name: "ops")
        try await server.serving { client in try await Self.filtersAndLimits(client, ops: ops) }
    }

    static func filtersAndLimits(_ server: InProcessServer.Client, ops: String) async throws {
        for id in ["E10", "E11"] { #expect(try await server.request(.post, "/v1/runs", token: ops, json: Self.leaver(id)).status == 201) }
        let quick = try await server.request(.post, "/v1/runs", token: ops, json: ["playbook": "contractor-end", "inputs": [String: Any]()])
        #expect(quick.status == 422, "\(quick.text)")
        // Field by field, as the CLI's exit 65 lists them: each missing input named, none of the values echoed.
        let bad = Self.leaver("E12", leaveAt: "next tuesday")
        let refused = try await server.request(.post, "/v1/runs", token: ops, json: ["playbook": "standard-leaver",
                                                                                   "inputs": (bad["inputs"] as! [String: Any]).filter { $0.key != "email" }])
        #expect(refused.status == 422 && refused.headers["content-type"] == "application/problem+json", "\(refused.text)")
        let fields = Set((refused.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
        #expect(fields == ["email", "leave_at"], "\(refused.text)")
        #expect(!refused.text.contains("next tuesday"), "the problem names the field, not its value")
        let byLeaver = try await server.request(.get, "/v1/runs?leaver=e11", token: ops).items
        #expect(byLeaver.count == 1)
        let byEmail = try await server.request(.get, "/v1/runs?leaver=E10@EXAMPLE.COM", token: ops).items
        #expect(byEmail.count == 1 && byEmail[0]["id"] as? String != byLeaver[0]["id"] as? String)
        #expect(try await server.request(.get, "/v1/runs?playbook=standard-leaver&limit=1", token: ops).items.count == 1)
        #expect(try await server.request(.get, "/v1/runs?playbook=immediate-leaver", token: ops).items.isEmpty)
        #expect(try await server.request(.get, "/v1/runs?overdue=true", token: ops).items.isEmpty, "nothing is past a deadline in 2030")
        #expect(try await server.request(.get, "/v1/runs?state=nonsense", token: ops).status == 400)
        #expect(try await server.request(.get, "/v1/runs?state=", token: ops).status == 400, "a blank state is no state")
        #expect(try await server.request(.post, "/v1/plans?live=maybe", token: ops, json: Self.leaver("E13")).status == 400, "live is true or false")
        // A playbook is a name in the workflows directory, never a path: nothing else on the server can be read.
        for name in ["../Workflows/standard-leaver", "runs.sqlite", "/etc/passwd", "standard-leaver.yaml", ".hidden"] {
            let answer = try await server.request(.post, "/v1/plans", token: ops, json: ["playbook": name, "inputs": [String: Any]()])
            #expect(answer.status == 404, "\(name): \(answer.status) \(answer.text)")
        }
        // An explicit null is refused, never read as "not given" (a retry of {"step": null} would redrive every failed step).
        let run = try #require(byLeaver[0]["id"] as? String)
        let null = try await server.request(.post, "/v1/runs/\(run)/retry", token: ops, body: Data(#"{"step": null}"#.utf8),
                                            headers: ["Content-Type": "application/json"])
        #expect(null.status == 400 && null.json["detail"] as? String == "'step' must not be null", "\(null.status) \(null.text)")
        // A key the body does not have is ignored, null or not, as the contract allows.
        let extra = try await server.request(.post, "/v1/runs/\(run)/cancel", token: ops, body: Data(#"{"reason": "test", "note": null}"#.utf8),
                                             headers: ["Content-Type": "application/json"])
        #expect([200, 202].contains(extra.status), "\(extra.status) \(extra.text)")
        let huge = Data(repeating: UInt8(ascii: " "), count: 5 << 20)
        let tooBig = try await server.request(.post, "/v1/plans", token: ops, body: huge, headers: ["Content-Type": "application/json"])
        #expect(tooBig.status == 413 && tooBig.headers["content-type"] == "application/problem+json", "\(tooBig.status) \(tooBig.text)")
    }
}
