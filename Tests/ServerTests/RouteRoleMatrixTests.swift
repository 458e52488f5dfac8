import Foundation
import Hummingbird
import OffboardRuntime
import OffboardServer
import Testing

/// Every route × every role, in process (the server's router through Hummingbird's test client, its worker's loop
/// beside it): a role a route admits gets a 2xx for a valid request, any other role 403, no token, a wrong token and
/// a revoked token 401. The route list is the document's (APIContractTests proves it is the server's).
@Suite(.serialized) struct RouteRoleMatrixTests {
    static let playbooks = [
        "matrix": """
            playbook: matrix
            version: 1
            inputs:
              employee_id: { type: string }
              leave_at: { type: datetime }
            steps:
              - id: collect
                uses: task
                with:
                  assignee: it
                  title: "Collect the laptop of {{ inputs.employee_id }}"
                  evidence: [{ name: condition, type: enum, values: [good, missing] }]
              - id: sign-off
                uses: task
                with:
                  assignee: facilities
                  title: "Sign the shredding certificate off"
                  approvals: { required: 1, approvers: [ops, it] }
            """,
        "failing": """
            playbook: failing
            version: 1
            inputs:
              employee_id: { type: string }
            steps:
              - { id: broken, uses: command, retry: 1, with: { argv: [/bin/false] } }
            """,
    ]

    static let hook = """
        hook: matrix-hr
        verify: { scheme: bearer, secret: "${secret:MATRIX_HOOK}" }
        employee: event.employee_id
        leaver:
          when: event.status == 'terminated'
          playbook: matrix
          effective: event.last_day
          inputs: { employee_id: "{{ event.employee_id }}", leave_at: "{{ event.last_day }}T17:00:00Z" }
        """

    static let roles = ["hr": "hr", "operator": "ops", "task:it": "it", "auditor": "audit", "admin": "admin"]

    /// A server with a token per role, and a way to make runs in a given state.
    struct Fixture: Sendable {
        let server: InProcessServer
        let client: InProcessServer.Client
        let tokens: [String: String]
        let operatorToken: String

        static func server() throws -> InProcessServer {
            var files = Dictionary(uniqueKeysWithValues: RouteRoleMatrixTests.playbooks.map { ("\($0.key).yaml", $0.value) })
            files["matrix-hr.hook.yaml"] = RouteRoleMatrixTests.hook
            return try InProcessServer(files: files, secrets: ["MATRIX_HOOK": "hook-secret"])
        }

        init(server: InProcessServer, client: InProcessServer.Client) async throws {
            self.server = server
            self.client = client
            var tokens: [String: String] = [:]
            for (role, name) in RouteRoleMatrixTests.roles { tokens[role] = try await server.token(role: role, name: name) }
            self.tokens = tokens
            operatorToken = tokens["operator"]!
        }

        /// A new matrix run whose two tasks are open.
        func runWithOpenTasks() async throws -> String {
            let started = try await client.request(.post, "/v1/runs", token: operatorToken,
                                                   json: ["playbook": "matrix", "inputs": ["employee_id": "E\(Int.random(in: 1000...9999))", "leave_at": "2030-01-01T09:00:00Z"]])
            try #require(started.status == 201, "\(started.text)")
            let id = try #require(started.json["id"] as? String)
            try await waitFor(id) { steps in steps.filter { $0["state"] as? String == "awaiting-person" }.count == 2 }
            return id
        }

        let hookSource = "matrix-hr"

        /// A recorded HR event (its id).
        func hookEvent() async throws -> String {
            let answer = try await client.request(.post, "/v1/hooks/\(hookSource)", json: ["employee_id": "E\(Int.random(in: 1000...9999))", "status": "terminated",
                                                                                         "last_day": "2030-01-01"], headers: ["Authorization": "Bearer hook-secret"])
            try #require(answer.status == 202, "\(answer.text)")
            return "\(try #require(answer.json["event"] as? Int))"
        }

        /// A run of `failing` once it has failed.
        func failedRun() async throws -> String {
            let started = try await client.request(.post, "/v1/runs", token: operatorToken, json: ["playbook": "failing", "inputs": ["employee_id": "E1"]])
            let id = try #require(started.json["id"] as? String, "\(started.text)")
            try await waitFor(id, state: "failed") { _ in true }
            return id
        }

        func waitFor(_ id: String, state: String? = nil, _ condition: ([[String: Any]]) -> Bool) async throws {
            for _ in 0..<400 {
                let run = try await client.request(.get, "/v1/runs/\(id)", token: operatorToken).json
                if state == nil || run["state"] as? String == state, condition(run["steps"] as? [[String: Any]] ?? []) { return }
                try await Task.sleep(nanoseconds: 25_000_000)
            }
            Issue.record("run \(id) never got there: \(try await client.request(.get, "/v1/runs/\(id)", token: operatorToken).text)")
        }
    }

    /// A valid request for one operation, made fresh for each admitted role when it changes something.
    struct Call {
        var method: HTTPRequest.Method
        var path: String
        var json: Any?
        var body: Data? = nil
        var contentType: String? = nil
    }

    static func call(_ operation: APIContractTests.Operation, fixture: Fixture, shared: String) async throws -> Call {
        let method = try #require(HTTPRequest.Method(rawValue: operation.method))
        let leaver: [String: Any] = ["playbook": "matrix", "inputs": ["employee_id": "E\(Int.random(in: 1000...9999))", "leave_at": "2030-01-01T09:00:00Z"]]
        switch operation.operationID {
        case "startRun", "planRun": return Call(method: method, path: operation.path, json: leaver)
        case "cancelRun": return Call(method: method, path: "/v1/runs/\(try await fixture.runWithOpenTasks())/cancel", json: ["reason": "withdrawn"])
        case "rescheduleRun":
            return Call(method: method, path: "/v1/runs/\(try await fixture.runWithOpenTasks())/reschedule",
                        json: ["set": ["leave_at": "2030-02-01T09:00:00Z"], "reason": "notice extended"])
        case "reverseRun": return Call(method: method, path: "/v1/runs/\(shared)/reverse", json: ["dry_run": true])
        case "retryRun": return Call(method: method, path: "/v1/runs/\(try await fixture.failedRun())/retry", json: [String: Any]())
        case "completeTask":
            return Call(method: method, path: "/v1/runs/\(try await fixture.runWithOpenTasks())/tasks/collect/complete", json: ["evidence": ["condition": "good"]])
        case "approveTask":
            let id = try await fixture.runWithOpenTasks()
            let completed = try await fixture.server.runtime.worker.submit(RunRequest(runID: id, kind: .complete, step: "sign-off",
                                                                                      requestedBy: "facilities:sam", requestedAt: Date()))
            guard case .applied = completed else { throw CompletionRefused(outcome: "\(completed)") }
            return Call(method: method, path: "/v1/runs/\(id)/tasks/sign-off/approve", json: [String: Any]())
        case "rejectTask": return Call(method: method, path: "/v1/runs/\(try await fixture.runWithOpenTasks())/tasks/collect/reject", json: ["reason": "not ours"])
        case "getHookEvent": return Call(method: method, path: "/v1/hooks/\(fixture.hookSource)/events/\(try await fixture.hookEvent())")
        case "importLeavers":
            return Call(method: method, path: "/v1/imports?playbook=matrix", body: Data("employee_id,leave_at\nE\(Int.random(in: 1000...9999)),2030-01-01T09:00:00Z\n".utf8),
                        contentType: "text/csv")
        case "createToken": return Call(method: method, path: operation.path, json: ["name": "made-\(UUID().uuidString.prefix(8))", "role": "auditor"])
        case "revokeToken":
            let name = "spare-\(UUID().uuidString.prefix(8))"
            _ = try await fixture.server.token(role: "auditor", name: String(name))
            return Call(method: method, path: "/v1/tokens/\(name)")
        default:
            return Call(method: method, path: operation.path.replacingOccurrences(of: "{id}", with: shared), json: operation.method == "POST" ? [String: Any]() : nil)
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func everyRouteAdmitsExactlyItsRoles() async throws {
        let server = try Fixture.server()
        try await server.serving { client in try await Self.checkEveryRoute(try await Fixture(server: server, client: client)) }
    }

    static func checkEveryRoute(_ fixture: Fixture) async throws {
        let shared = try await fixture.runWithOpenTasks()
        let revoked = try await fixture.server.token(role: "operator", name: "gone")
        // Revoked as `offboard token revoke gone --by security-lead` revokes it.
        #expect(try await fixture.server.runtime.store.revokeToken(named: "gone", at: Date(), by: "security-lead"))
        // The HR hooks answer to their source's signature scheme, not to tokens (HookTests covers them).
        let operations = try APIContractTests.documentOperations().filter { !$0.signed }.sorted { $0.description < $1.description }
        var checked = 0
        for operation in operations {
            for (role, token) in fixture.tokens.sorted(by: { $0.key < $1.key }) {
                let kind = role.hasPrefix("task:") ? "task" : role
                let admitted = operation.open || operation.roles.contains(kind)
                // A refused role is turned away before anything is looked up, so it needs no fresh run.
                let call = admitted ? try await Self.call(operation, fixture: fixture, shared: shared)
                    : Call(method: try #require(HTTPRequest.Method(rawValue: operation.method)), path: operation.path.replacingOccurrences(of: "{id}", with: shared)
                        .replacingOccurrences(of: "{step}", with: "collect").replacingOccurrences(of: "{name}", with: "x"), json: [String: Any]())
                let answer = try await fixture.client.request(call.method, call.path, token: token, json: call.body == nil ? call.json : nil, body: call.body,
                                                              headers: call.contentType.map { ["Content-Type": $0] } ?? [:])
                if admitted {
                    #expect((200..<300).contains(answer.status), "\(operation.operationID) as \(role): \(answer.status) \(answer.text)")
                } else {
                    #expect(answer.status == 403, "\(operation.operationID) as \(role): \(answer.status) \(answer.text)")
                    #expect(answer.headers["content-type"] == "application/problem+json")
                }
                checked += 1
            }
            if !operation.open {
                let path = operation.path.replacingOccurrences(of: "{id}", with: shared).replacingOccurrences(of: "{step}", with: "collect")
                    .replacingOccurrences(of: "{name}", with: "x")
                for (label, token) in [("no token", nil), ("a wrong token", "obt_not-a-token"), ("a revoked token", revoked)] as [(String, String?)] {
                    let answer = try await fixture.client.request(try #require(HTTPRequest.Method(rawValue: operation.method)), path, token: token, json: [String: Any]())
                    #expect(answer.status == 401, "\(operation.operationID) with \(label): \(answer.status)")
                    #expect(answer.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
                }
            }
        }
        #expect(checked == operations.count * fixture.tokens.count)
        // Changes made through the API name the token as the actor.
        let history = try await fixture.client.request(.get, "/v1/runs/\(shared)/history", token: fixture.operatorToken)
        #expect(history.items.first?["text"] as? String == "run started")
        let run = try await fixture.client.request(.get, "/v1/runs/\(shared)", token: fixture.operatorToken).json
        #expect(run["created_by"] as? String == "ops")
        // A token revoked over HTTP names the admin token that did it; one revoked on the command line, its --by.
        let listed = try await fixture.client.request(.get, "/v1/tokens", token: fixture.tokens["admin"]).items
        let spares = listed.filter { ($0["name"] as? String)?.hasPrefix("spare-") == true }
        #expect(!spares.isEmpty && spares.allSatisfy { $0["revoked_by"] as? String == "admin" && $0["revoked_at"] is String }, "\(spares)")
        #expect(listed.first { $0["name"] as? String == "gone" }?["revoked_by"] as? String == "security-lead")
    }
}

/// A task the matrix needed completed was not.
struct CompletionRefused: Error {
    var outcome: String
}
