import Engine
import Foundation
import Handlers
import Playbook
import PostgresNIO
import TestServerSupport
import Testing

/// The shipped immediate-leaver playbook against the real PostgreSQL and SCIM servers (and the
/// HTTP echo server for its webhooks): live dry run first, then the run, then what a security
/// team would check by hand.
@Suite struct ImmediateLeaverEndToEndTests {
    @Test func aHostileLeaverIsCutOffEverywhereAndEachRevocationIsVerified() async throws {
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        let role = "mholt_\(suffix)", email = "mholt-\(suffix)@example.com", crmUsers = "crm_users_\(suffix)"
        let admin = try await TestServers.admin()
        for sql in ["CREATE ROLE \(crmUsers)", "CREATE ROLE \(role) LOGIN PASSWORD 'mh-pw' IN ROLE \(crmUsers)"] {
            _ = try await admin.query(PostgresQuery(unsafeSQL: sql), logger: .init(label: "test")).collect()
        }
        let session = try await TestServers.connect(user: role, password: "mh-pw")
        let scimID = try await TestServers.createSCIMUser(email)
        let (scimURL, scimToken) = try TestServers.scim()
        let hooks = try TestServers.httpURL()
        let run = try PlaybookRun(path: "\(TestServers.repositoryRoot)/Workflows/immediate-leaver.yaml", secrets: [
            "CRM_DB_URL": try TestServers.postgresURL(), "IDP_SCIM_URL": scimURL, "IDP_SCIM_TOKEN": scimToken,
            "VPN_API_URL": "\(hooks)/vpn", "VPN_API_TOKEN": "vpn-token", "SERVICE_DESK_WEBHOOK": "\(hooks)/desk",
            "DPO_WEBHOOK_URL": "\(hooks)/dpo", "SECURITY_PAGER_WEBHOOK": "\(hooks)/pager",
        ])
        let sample = try #require(FileManager.default.contents(atPath: "\(TestServers.repositoryRoot)/Workflows/samples/mholt-immediate.json"))
        let record = YAMLComposer.compose([UInt8](sample), file: "mholt-immediate.json").root
        let inputs = [("db_role", role), ("email", email)]

        // The live dry run reads both targets and says what would change, without changing it.
        let bound = try InputBinder.bind(run.playbook, record: record, overrides: inputs.map { (name: $0.0, value: $0.1) })
        let plan = await Planner(registry: BuiltInHandlers.registry(), liveSecrets: run.resolver).plan(run.playbook, inputs: bound, now: Date())
        let crmPreview = try #require(plan.steps.first { $0.id == "revoke-crm-database" }?.action?.details)
        #expect(crmPreview.contains { $0.hasPrefix("now: role \(role) on 127.0.0.1:") && $0.hasSuffix(": can log in → cannot") },
                "\(crmPreview)")
        #expect(crmPreview.contains("now: membership in \(crmUsers) would be revoked"))
        #expect(crmPreview.contains("now: 1 open session(s) would be ended"))
        #expect(try #require(plan.steps.first { $0.id == "deactivate-identity" }?.action?.details).contains("now: SCIM user \(scimID): active → inactive"))
        #expect(!session.isClosed, "the dry run changed nothing")

        let report = try await run.run(inputs, record: record)
        func step(_ id: String) -> RunReport.StepReport? { report.steps.first { $0.id == id } }
        #expect(report.state == .waiting, "the people's tasks remain: \(report.steps.map { "\($0.id)=\($0.state) \($0.error ?? "")" })")
        for id in ["revoke-crm-database", "deactivate-identity"] {
            #expect(step(id)?.state == "succeeded", "\(id): \(step(id)?.error ?? "")")
            #expect(step(id)?.verification?.holds == true, "\(id) is verified")
        }
        for id in ["revoke-vpn", "notify-dpo", "notify-service-desk"] { #expect(step(id)?.state == "succeeded", "\(id)") }
        #expect(step("escalate-to-security")?.state == "not-triggered")
        #expect(step("destroy-hard-copies")?.state == "awaiting-person")

        // What the security team checks by hand: no login, no session, no active identity.
        for _ in 0..<100 where !session.isClosed { try await Task.sleep(nanoseconds: 20_000_000) }
        #expect(session.isClosed, "the pre-existing session is gone")
        do {
            _ = try await TestServers.connect(user: role, password: "mh-pw")
            Issue.record("the leaver could still log in")
        } catch let error as PSQLError {
            #expect(error.serverInfo?[.sqlState] == "28000")
        }
        #expect(try await TestServers.scimUser(scimID)?["active"] as? Bool == false)
        try await admin.close()
    }

    /// A hostile leaver for whom nothing was revoked (no database role on record, an email that matches
    /// no identity account, no VPN user) must not end quietly: security is paged and the status says so.
    @Test func nothingFoundToRemoveIsEscalatedAndNeverReadsAsRemoved() async throws {
        let (scimURL, scimToken) = try TestServers.scim()
        let hooks = try TestServers.httpURL()
        let run = try PlaybookRun(path: "\(TestServers.repositoryRoot)/Workflows/immediate-leaver.yaml", secrets: [
            "CRM_DB_URL": try TestServers.postgresURL(), "IDP_SCIM_URL": scimURL, "IDP_SCIM_TOKEN": scimToken,
            "VPN_API_URL": "\(hooks)/vpn", "VPN_API_TOKEN": "vpn-token", "SERVICE_DESK_WEBHOOK": "\(hooks)/desk",
            "DPO_WEBHOOK_URL": "\(hooks)/dpo", "SECURITY_PAGER_WEBHOOK": "\(hooks)/pager",
        ])
        let report = try await run.run([("employee_id", "E404"), ("full_name", "Typo Person"), ("email", "mholt-typo-\(UUID().uuidString.prefix(6))@example.com"),
                                        ("leave_at", "2026-11-23T12:00:00Z")])
        func step(_ id: String) -> RunReport.StepReport? { report.steps.first { $0.id == id } }
        #expect(step("revoke-crm-database")?.removal == .skipped)
        #expect(step("deactivate-identity")?.removal == .alreadyAbsent, "an unknown email is not a removal")
        #expect(step("revoke-vpn")?.removal == .skipped)
        #expect(step("escalate-nothing-removed")?.state == "succeeded", "security is paged: \(report.steps.map { "\($0.id)=\($0.state)" })")
        #expect(step("escalate-to-security")?.state == "not-triggered")
        #expect(step("notify-service-desk")?.removal == nil, "a notification is no access removal")
    }
}
