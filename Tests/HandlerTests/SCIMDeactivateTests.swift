import Engine
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Playbook
import TestServerSupport
import Testing

/// `scim.deactivate` against the real SCIM 2.0 server the test script starts (scim2-server).
@Suite struct SCIMDeactivateTests {
    static let playbook = """
        playbook: scim
        version: 1
        inputs:
          email: { type: string, required: true }
          action: { type: string, default: deactivate }
        steps:
          - id: deactivate
            uses: scim.deactivate
            retry: { attempts: 1 }
            with: { base_url: "${secret:SCIM_URL}", token: "${secret:SCIM_TOKEN}", user_name: "{{ inputs.email }}", action: "{{ inputs.action }}" }
        """

    static func run() throws -> PlaybookRun {
        let (url, token) = try TestServers.scim()
        return try PlaybookRun(playbook, secrets: ["SCIM_URL": url, "SCIM_TOKEN": token])
    }

    @Test func aUserIsDeactivatedOnceAndItIsCheckedBack() async throws {
        let email = "o'brien+\(UUID().uuidString.prefix(6))@example.com"
        let id = try await TestServers.createSCIMUser(email)
        let run = try Self.run()
        let report = try await run.run([("email", email)])
        #expect(report.state == .succeeded, "\(report.steps.first?.error ?? "")")
        #expect(report.steps.first?.output == .object(["id": .string(id), "state": "inactive", "was_active": true]))
        #expect(report.steps.first?.verification?.holds == true)
        #expect(report.steps.first?.removal == .removed)
        #expect(report.steps.first?.removalReport?.removed == ["account deactivated (active: false)"])
        #expect(report.steps.first?.removalReport?.system == URL(string: try TestServers.scim().0).map { "\($0.host ?? ""):\($0.port ?? 0)" })
        #expect(try await TestServers.scimUser(id)?["active"] as? Bool == false)

        let again = try await run.run([("email", email)])
        #expect(again.steps.first?.output == .object(["id": .string(id), "state": "inactive", "was_active": false]))
        #expect(again.steps.first?.removal == .alreadyAbsent, "an account already inactive had nothing removed")
    }

    @Test func deleteAndAnAbsentUserAreBothSuccess() async throws {
        let email = "gone-\(UUID().uuidString.prefix(6))@example.com"
        let id = try await TestServers.createSCIMUser(email)
        let run = try Self.run()
        let deleted = try await run.run([("email", email), ("action", "delete")])
        #expect(deleted.steps.first?.output == .object(["id": .string(id), "state": "deleted", "was_active": true]))
        #expect(deleted.steps.first?.verification?.holds == true)
        #expect(try await TestServers.scimUser(id) == nil)
        let absent = try await run.run([("email", email)])
        #expect(absent.state == .succeeded)
        #expect(absent.steps.first?.output == .object(["filter": .string("userName eq \"\(email)\""), "state": "absent"]))
        // A typo in the email finds nobody: that is not a removal, and the status says so.
        #expect(absent.steps.first?.removal == .alreadyAbsent)
        #expect(absent.steps.first?.removalReport?.priorState == "no SCIM user with userName \"\(email)\"")
    }

    @Test func aRefusedTokenIsFatalAndNeverShown() async throws {
        let (url, _) = try TestServers.scim()
        let wrong = "tok-\(UUID().uuidString)"
        let run = try PlaybookRun(Self.playbook, secrets: ["SCIM_URL": url, "SCIM_TOKEN": wrong])
        let report = try await run.run([("email", "anyone@example.com")])
        #expect(report.state == .failed)
        #expect(report.steps.first?.attempts == 1)
        #expect(report.steps.first?.error?.contains("refused the token (HTTP 401)") == true, "\(report.steps.first?.error ?? "")")
        #expect(try await !run.everythingStored(report.id).contains(wrong))
    }

    @Test func throttlingIsWaitedOutThenLeftToTheRetryPolicy() async throws {
        // The echo server answers 429 with Retry-After: 1 for every path under /status/429.
        let run = try PlaybookRun(Self.playbook, secrets: ["SCIM_URL": "\(try TestServers.httpURL())/status/429", "SCIM_TOKEN": "t"])
        let report = try await run.run([("email", "anyone@example.com")])
        #expect(report.state == .failed)
        #expect(report.steps.first?.error?.hasSuffix("/Users: HTTP 429, retry after 1 s") == true, "\(report.steps.first?.error ?? "")")
    }
}
