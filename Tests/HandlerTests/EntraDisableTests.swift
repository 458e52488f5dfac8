import Engine
import Foundation
import Playbook
import TestServerSupport
import Testing

/// `entra.disable` against the Entra ID test server the test command starts (Tests/Servers/graph_server.py: the token
/// endpoint and Graph v1.0 as Microsoft documents them, requests checked field by field).
@Suite struct EntraDisableTests {
    struct Graph {
        let url: String
        let clientID: String
        let secret: String
        let expiredClientID: String

        static func fromEnvironment() throws -> Graph {
            Graph(url: try TestServers.required("OFFBOARD_TEST_GRAPH_URL", "Entra ID test server"),
                  clientID: try TestServers.required("OFFBOARD_TEST_GRAPH_CLIENT_ID", "Entra ID app"),
                  secret: try TestServers.required("OFFBOARD_TEST_GRAPH_CLIENT_SECRET", "Entra ID client secret"),
                  expiredClientID: try TestServers.required("OFFBOARD_TEST_GRAPH_EXPIRED_CLIENT_ID", "expired Entra ID app"))
        }

        var server: TestControl { TestControl(url: url) }

        func control(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? { try await server.call(method, path, body) }

        func user(_ id: String) async throws -> [String: Any] { try await server.user(id) }

        func members(_ group: String) async throws -> [String] { try await server.members(group) }

        /// The Graph requests made for this user id (the tests share the server).
        func calls(about id: String) async throws -> [[String: Any]] {
            (try await control("GET", "calls") as? [[String: Any]] ?? []).filter { ($0["path"] as? String ?? "").contains(id) }
        }

        func playbook(clientID: String? = nil, secret: String? = nil, who: String = "user: \"{{ inputs.leaver }}\"", more: String = "") throws -> PlaybookRun {
            try PlaybookRun("""
                playbook: entra
                version: 1
                inputs:
                  leaver: { type: string, required: true }
                steps:
                  - id: disable
                    uses: entra.disable
                    retry: { attempts: 1 }
                    with:
                      tenant_id: offboard-test-tenant
                      client_id: "\(clientID ?? self.clientID)"
                      client_secret: "${secret:ENTRA_SECRET}"
                      \(who)
                      graph_url: "\(url)/v1.0"
                      login_url: "\(url)"
                      allow_plaintext: true
                """ + more, secrets: ["ENTRA_SECRET": secret ?? self.secret])
        }
    }

    @Test func aUserIsDisabledSignedOutAndTakenOutOfEveryGroupGraphCanChange() async throws {
        let graph = try Graph.fromEnvironment()
        let tag = UUID().uuidString.prefix(8).lowercased(), id = "u-\(tag)", upn = "o'neil.\(tag)@contoso.test"
        _ = try await graph.control("POST", "users", ["id": id, "userPrincipalName": upn])
        // 120 plain groups (two pages of 100), a dynamic one and one synchronised from on-premises.
        for index in 0..<120 { _ = try await graph.control("POST", "groups", ["id": "g-\(tag)-\(String(format: "%03d", index))", "displayName": "Team \(index)", "members": [id]]) }
        _ = try await graph.control("POST", "groups", ["id": "g-\(tag)-dyn", "displayName": "All staff", "groupTypes": ["DynamicMembership"], "members": [id]])
        _ = try await graph.control("POST", "groups", ["id": "g-\(tag)-onprem", "displayName": "VPN", "onPremisesSyncEnabled": true, "members": [id]])
        // Graph throttles the first read of the user: Retry-After (2 s, more than the 1 s the client waits unbidden) is
        // honoured.
        _ = try await graph.control("POST", "throttle", ["path": "/v1.0/users/\(upn)", "count": 1, "retryAfter": 2])
        let started = Date()
        let report = try await graph.playbook().run([("leaver", upn)])
        let step = try #require(report.steps.first)
        #expect(report.state == .succeeded, "\(step.error ?? "")")
        #expect(step.removal == .removed)
        #expect(Date().timeIntervalSince(started) >= 2, "the step waited as Retry-After asked")
        let removed = step.removalReport?.removed ?? []
        #expect(removed.prefix(2) == ["account disabled (accountEnabled: false)", "sign-in sessions revoked"], "\(removed)")
        #expect(removed.count == 122, "disabled, signed out, and 120 memberships")
        #expect(!removed.contains { $0.contains("All staff") || $0.contains("VPN") }, "a group Graph cannot change is never removed")
        #expect(step.removalReport?.priorState?.contains("kept in All staff (g-\(tag)-dyn): dynamic membership") == true, "\(step.removalReport?.priorState ?? "")")
        #expect(step.verification?.holds == true, "\(step.verification?.detail ?? "")")
        #expect(step.verification?.detail.contains("which Graph cannot change") == true)
        // What the server holds and saw.
        #expect(try await graph.user(id)["accountEnabled"] as? Bool == false)
        #expect(try await graph.user(id)["sessionsRevoked"] as? Int == 1, "the sessions were really revoked")
        let first = try await graph.members("g-\(tag)-000"), last = try await graph.members("g-\(tag)-119")
        #expect(first.isEmpty && last.isEmpty)
        #expect(try await graph.members("g-\(tag)-dyn") == [id])
        let calls = try await graph.calls(about: id)
        let patch = try #require(calls.first { $0["method"] as? String == "PATCH" })
        #expect(patch["body"] as? String == #"{"accountEnabled":false}"#)
        #expect(calls.contains { ($0["query"] as? [String: String])?["$skiptoken"] == "100" }, "the second page of groups was read")
        #expect(calls.filter { $0["method"] as? String == "DELETE" }.count == 120)

        // Again: nothing left to take away.
        let again = try await graph.playbook().run([("leaver", upn)])
        #expect(again.steps.first?.removal == .alreadyAbsent, "\(again.steps.first?.removalReport?.sentence ?? "")")
    }

    @Test func byEmployeeIdListedOrNoGroupsAnAlreadyDisabledUserAndExchangeGroups() async throws {
        let graph = try Graph.fromEnvironment()
        let tag = UUID().uuidString.prefix(8).lowercased(), id = "u-\(tag)", employee = "E'\(tag)"
        _ = try await graph.control("POST", "users", ["id": id, "userPrincipalName": "l.\(tag)@contoso.test", "employeeId": employee, "accountEnabled": false])
        _ = try await graph.control("POST", "groups", ["id": "g-\(tag)-a", "displayName": "A", "members": [id]])
        _ = try await graph.control("POST", "groups", ["id": "g-\(tag)-b", "displayName": "B", "members": [id]])
        _ = try await graph.control("POST", "groups", ["id": "g-\(tag)-dl", "displayName": "All staff list", "mailEnabled": true, "securityEnabled": false, "members": [id]])
        // groups: none, found by an employeeId with a quote in it: an already disabled user, groups not checked.
        let none = try await graph.playbook(who: "employee_id: \"{{ inputs.leaver }}\"", more: "\n      groups: none\n      revoke_sessions: false").run([("leaver", employee)])
        let step = try #require(none.steps.first)
        #expect(none.state == .succeeded && step.removal == .alreadyAbsent, "\(step.error ?? "")")
        #expect(step.removalReport?.priorState?.contains("already disabled, groups not checked (groups is none)") == true, "\(step.removalReport?.priorState ?? "")")
        #expect(try await graph.user(id)["sessionsRevoked"] == nil, "revoke_sessions: false")
        // Listed: only that group goes, and the disabled user's removal is a removal.
        let listed = try await graph.playbook(more: "\n      groups: [g-\(tag)-a]").run([("leaver", id)])
        #expect(listed.steps.first?.removalReport?.removed == ["sign-in sessions revoked", "membership of A (g-\(tag)-a) removed"],
                "\(listed.steps.first?.removalReport?.removed ?? [])")
        #expect(listed.steps.first?.removalReport?.priorState?.contains("in 1 group(s) of the 1 listed") == true)
        let b = try await graph.members("g-\(tag)-b")
        #expect(b == [id])
        // A listed group that does not exist fails the step.
        let missing = try await graph.playbook(more: "\n      groups: [g-\(tag)-nope]").run([("leaver", id)])
        #expect(missing.state == .failed && missing.steps.first?.error?.contains("read the listed group g-\(tag)-nope") == true, "\(missing.steps.first?.error ?? "")")
        // All: B goes; the distribution list is Exchange's and is kept, never removed.
        let all = try await graph.playbook().run([("leaver", id)])
        #expect(all.state == .succeeded && all.steps.first?.removalReport?.removed.contains("membership of B (g-\(tag)-b) removed") == true, "\(all.steps.first?.error ?? "")")
        #expect(all.steps.first?.removalReport?.priorState?.contains("kept in All staff list (g-\(tag)-dl): mail-enabled") == true)
        let list = try await graph.members("g-\(tag)-dl")
        #expect(list == [id])
        // An http:// Graph without allow_plaintext is refused before the secret is sent.
        let plain = try PlaybookRun("""
            playbook: p
            version: 1
            steps:
              - id: disable
                uses: entra.disable
                retry: { attempts: 1 }
                with: { tenant_id: t, client_id: c, client_secret: "${secret:ENTRA_SECRET}", user: x, graph_url: "\(graph.url)/v1.0", login_url: "\(graph.url)" }
            """, secrets: ["ENTRA_SECRET": graph.secret])
        let refused = try await plain.run([])
        #expect(refused.state == .failed && refused.steps.first?.error?.contains("must be https://") == true, "\(refused.steps.first?.error ?? "")")
    }

    @Test func aMissingUserIsAlreadyAbsentAndAnExpiredSecretFailsClearly() async throws {
        let graph = try Graph.fromEnvironment()
        let absent = try await graph.playbook().run([("leaver", "nobody-\(UUID().uuidString.prefix(6))@contoso.test")])
        #expect(absent.state == .succeeded && absent.steps.first?.removal == .alreadyAbsent)
        let expired = try await graph.playbook(clientID: graph.expiredClientID).run([("leaver", "anyone@contoso.test")])
        let error = expired.steps.first?.error ?? ""
        #expect(expired.state == .failed && expired.steps.first?.attempts == 1, "\(error)")
        #expect(error.contains("AADSTS7000222") && error.contains("create a new client secret"), "\(error)")
        #expect(!error.contains(graph.secret))
        let wrong = try graph.playbook(secret: "not-the-secret")
        let refused = try await wrong.run([("leaver", "anyone@contoso.test")])
        #expect(refused.state == .failed && refused.steps.first?.error?.contains("AADSTS7000215") == true, "\(refused.steps.first?.error ?? "")")
    }

    @Test func aGroupTheAppMayNotChangeFailsTheStepNamingIt() async throws {
        let graph = try Graph.fromEnvironment()
        let tag = UUID().uuidString.prefix(8).lowercased(), id = "u-\(tag)"
        _ = try await graph.control("POST", "users", ["id": id, "userPrincipalName": "ro.\(tag)@contoso.test"])
        _ = try await graph.control("POST", "groups", ["id": "g-\(tag)-ro", "displayName": "Admins", "readOnly": true, "members": [id]])
        let report = try await graph.playbook().run([("leaver", id)])
        let error = report.steps.first?.error ?? ""
        #expect(report.state == .failed && report.steps.first?.removal == .failed, "\(error)")
        #expect(error.contains("Admins (g-\(tag)-ro)") && error.contains("HTTP 403 Authorization_RequestDenied") && error.contains("after: account disabled"), "\(error)")
    }
}
