import Engine
import Foundation
import Playbook
import TestServerSupport
import Testing

/// `okta.deactivate` against the Okta test server the test command starts (Tests/Servers/okta_server.py: the
/// Management API as Okta documents it, its error bodies, its Link paging and its rate-limit headers).
@Suite struct OktaDeactivateTests {
    struct Okta {
        let url: String
        let token: String

        static func fromEnvironment() throws -> Okta {
            Okta(url: try TestServers.required("OFFBOARD_TEST_OKTA_URL", "Okta test server"), token: try TestServers.required("OFFBOARD_TEST_OKTA_TOKEN", "Okta API token"))
        }

        var server: TestControl { TestControl(url: url) }

        func control(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? { try await server.call(method, path, body) }

        func user(_ id: String) async throws -> [String: Any] { try await server.user(id) }

        func members(_ group: String) async throws -> [String] { try await server.members(group) }

        func playbook(action: String = "deactivate", token: String? = nil) throws -> PlaybookRun {
            try PlaybookRun("""
                playbook: okta
                version: 1
                inputs:
                  leaver: { type: string, required: true }
                steps:
                  - id: deactivate
                    uses: okta.deactivate
                    retry: { attempts: 1 }
                    with:
                      org_url: "\(url)"
                      api_token: "${secret:OKTA_TOKEN}"
                      user: "{{ inputs.leaver }}"
                      action: \(action)
                      allow_plaintext: true
                """, secrets: ["OKTA_TOKEN": token ?? self.token])
        }
    }

    @Test func aUserIsDeactivatedSignedOutAndTakenOutOfItsGroupsAcrossPages() async throws {
        let okta = try Okta.fromEnvironment()
        let tag = UUID().uuidString.prefix(8).lowercased(), id = "00u\(tag)", login = "k.o'hara.\(tag)@acme.test"
        _ = try await okta.control("POST", "users", ["id": id, "login": login])
        for index in 0..<250 { _ = try await okta.control("POST", "groups", ["id": "00g\(tag)\(String(format: "%03d", index))", "name": "Team \(index)", "members": [id]]) }
        _ = try await okta.control("POST", "groups", ["id": "00g\(tag)everyone", "name": "Everyone", "type": "BUILT_IN", "members": [id]])
        _ = try await okta.control("POST", "groups", ["id": "00g\(tag)ad", "name": "AD: VPN", "type": "APP_GROUP", "members": [id]])
        // Okta's rate limit: 429 with X-Rate-Limit-Reset and no Retry-After, waited out.
        _ = try await okta.control("POST", "throttle", ["path": "/api/v1/users/\(login)", "count": 1, "resetIn": 1])
        let report = try await okta.playbook().run([("leaver", login)])
        let step = try #require(report.steps.first)
        #expect(report.state == .succeeded, "\(step.error ?? "")")
        let removed = step.removalReport?.removed ?? []
        #expect(removed.prefix(2) == ["user deactivated (was ACTIVE)", "sessions ended and OAuth tokens revoked"], "\(removed)")
        #expect(removed.count == 252, "deactivated, signed out, 250 memberships over two pages")
        #expect(!removed.contains { $0.contains("Everyone") || $0.contains("AD: VPN") })
        #expect(step.removalReport?.priorState?.contains("kept in AD: VPN (00g\(tag)ad): imported from an application") == true)
        #expect(step.verification?.holds == true, "\(step.verification?.detail ?? "")")
        let user = try await okta.user(id)
        #expect(user["status"] as? String == "DEPROVISIONED" && user["sessionsCleared"] as? Int == 1 && user["oauthTokensRevoked"] as? Bool == true)
        let first = try await okta.members("00g\(tag)000"), last = try await okta.members("00g\(tag)249"), everyone = try await okta.members("00g\(tag)everyone")
        #expect(first.isEmpty && last.isEmpty && everyone == [id])

        let again = try await okta.playbook().run([("leaver", id)])
        #expect(again.steps.first?.removal == .alreadyAbsent, "\(again.steps.first?.removalReport?.sentence ?? "")")
    }

    @Test func suspendAnAbsentUserAndARefusedToken() async throws {
        let okta = try Okta.fromEnvironment()
        let tag = UUID().uuidString.prefix(8).lowercased(), id = "00u\(tag)"
        _ = try await okta.control("POST", "users", ["id": id, "login": "s.\(tag)@acme.test"])
        let suspended = try await okta.playbook(action: "suspend").run([("leaver", id)])
        #expect(suspended.state == .succeeded && suspended.steps.first?.removalReport?.removed.first == "user suspended (was ACTIVE)",
                "\(suspended.steps.first?.error ?? "")")
        #expect(try await okta.user(id)["status"] as? String == "SUSPENDED")
        let absent = try await okta.playbook().run([("leaver", "nobody.\(tag)@acme.test")])
        #expect(absent.state == .succeeded && absent.steps.first?.removal == .alreadyAbsent)
        let refused = try await okta.playbook(token: "not-the-token").run([("leaver", id)])
        let error = refused.steps.first?.error ?? ""
        #expect(refused.state == .failed && error.contains("HTTP 401 E0000011") && !error.contains("not-the-token"), "\(error)")
    }
}
