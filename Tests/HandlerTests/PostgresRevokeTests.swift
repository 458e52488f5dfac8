import Engine
import Foundation
import Playbook
import PostgresNIO
import TestServerSupport
import Testing

/// `postgres.revoke` against the real throwaway PostgreSQL cluster: real roles, real sessions.
@Suite struct PostgresRevokeTests {
    static let playbook = """
        playbook: pg
        version: 1
        inputs:
          role: { type: string, required: true }
          missing: { type: string, default: fail }
        steps:
          - id: revoke
            uses: postgres.revoke
            retry: { attempts: 1 }
            with: { connection: "${secret:TEST_PG}", role: "{{ inputs.role }}", if_missing: "{{ inputs.missing }}" }
        """

    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    @Test func aHostileRoleNameLosesLoginMembershipsAndSessionsAndItHolds() async throws {
        let suffix = String(UUID().uuidString.prefix(8)).lowercased()
        let role = "x\"; DROP TABLE canary_\(suffix); --\(suffix)"
        let readers = "crm_readers_\(suffix)", writers = "crm_writers_\(suffix)"
        let admin = try await TestServers.admin()
        for sql in ["CREATE TABLE canary_\(suffix) (id int)", "CREATE ROLE \(readers)", "CREATE ROLE \(writers)",
                    "CREATE ROLE \(Self.quoted(role)) LOGIN PASSWORD 'leaver-pw' IN ROLE \(readers), \(writers)"] {
            _ = try await admin.query(PostgresQuery(unsafeSQL: sql), logger: .init(label: "test")).collect()
        }
        let session = try await TestServers.connect(user: role, password: "leaver-pw")
        _ = try await session.query("SELECT 1", logger: .init(label: "test")).collect()

        let run = try PlaybookRun(Self.playbook, secrets: ["TEST_PG": try TestServers.postgresURL()])
        let report = try await run.run([("role", role)])
        #expect(report.state == .succeeded, "\(report.steps.first?.error ?? "")")
        let step = try #require(report.steps.first)
        #expect(step.output == .object(["role": .string(role), "state": "disabled", "could_log_in": true,
                                        "memberships_revoked": .array([.string(readers), .string(writers)]), "sessions_ended": 1]))
        #expect(step.verification?.holds == true)
        #expect(step.verification?.detail.contains("cannot log in") == true)

        // The open session is gone, a new login is refused, and the canary table is still there.
        // (the server ends it with 57P01 and closes the socket; the client sees the close)
        for _ in 0..<100 where !session.isClosed { try await Task.sleep(nanoseconds: 20_000_000) }
        #expect(session.isClosed)
        let sessions = try await admin.query("SELECT count(*)::int8 FROM pg_stat_activity WHERE usename = \(role)", logger: .init(label: "test")).collect()
        #expect(try sessions.first?.decode(Int64.self) == 0)
        do {
            _ = try await TestServers.connect(user: role, password: "leaver-pw")
            Issue.record("the role could still log in")
        } catch let error as PSQLError {
            #expect(error.serverInfo?[.sqlState] == "28000", "\(String(reflecting: error))")
        }
        let rows = try await admin.query("SELECT count(*)::int8 FROM pg_tables WHERE tablename = \("canary_\(suffix)")", logger: .init(label: "test"))
            .collect()
        #expect(try rows.first?.decode(Int64.self) == 1)

        // Idempotent: a second run changes nothing and still verifies.
        let again = try await run.run([("role", role)])
        #expect(again.steps.first?.output == .object(["role": .string(role), "state": "disabled", "could_log_in": false,
                                                      "memberships_revoked": .array([]), "sessions_ended": 0]))
        #expect(again.steps.first?.verification?.holds == true)
        try await admin.close()
    }

    /// The docs promise "no session is left": with terminate_sessions off, a session still open fails the check,
    /// and the removal still says what it did (login disabled) and what it found (the open session).
    @Test func anOpenSessionFailsTheCheckWhateverTerminateSessionsSays() async throws {
        let suffix = String(UUID().uuidString.prefix(8)).lowercased()
        let role = "keeps_\(suffix)"
        let admin = try await TestServers.admin()
        _ = try await admin.query(PostgresQuery(unsafeSQL: "CREATE ROLE \(role) LOGIN PASSWORD 'ks-pw'"), logger: .init(label: "test")).collect()
        let session = try await TestServers.connect(user: role, password: "ks-pw")
        let run = try PlaybookRun("""
            playbook: pg-sessions
            version: 1
            inputs: { role: { type: string, required: true } }
            steps:
              - id: revoke
                uses: postgres.revoke
                retry: { attempts: 1 }
                with: { connection: "${secret:TEST_PG}", role: "{{ inputs.role }}", terminate_sessions: false }
            """, secrets: ["TEST_PG": try TestServers.postgresURL()])
        let report = try await run.run([("role", role)])
        #expect(report.state == .failed)
        #expect(report.steps.first?.error?.contains("still has 1 open session(s)") == true, "\(report.steps.first?.error ?? "")")
        #expect(report.steps.first?.removal == .failed)
        #expect(!session.isClosed)
        try await session.close()
        for _ in 0..<100 {
            let rows = try await admin.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int8 FROM pg_stat_activity WHERE usename = '\(role)'"),
                                             logger: .init(label: "test")).collect()
            if try rows.first?.decode(Int64.self) == 0 { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        // With nothing open any more, the same step succeeds: the login was already disabled, so nothing is removed.
        let again = try await run.run([("role", role)])
        #expect(again.state == .succeeded && again.steps.first?.removal == .alreadyAbsent)
        #expect(again.steps.first?.removalReport?.priorState == "role \(role): could not log in, no memberships, 0 open session(s)")
        try await admin.close()
    }

    @Test func aMissingRoleFailsClearlyOrCountsAsAlreadyGone() async throws {
        let run = try PlaybookRun(Self.playbook, secrets: ["TEST_PG": try TestServers.postgresURL()])
        let failed = try await run.run([("role", "nobody_here")])
        #expect(failed.state == .failed)
        #expect(failed.steps.first?.error?.hasPrefix("role nobody_here does not exist on 127.0.0.1:") == true,
                "\(failed.steps.first?.error ?? "")")
        #expect(failed.steps.first?.attempts == 1, "a missing role is not retried")
        let absent = try await run.run([("role", "nobody_here"), ("missing", "succeed")])
        #expect(absent.state == .succeeded)
        #expect(absent.steps.first?.output == .object(["role": "nobody_here", "state": "absent"]))
        #expect(absent.steps.first?.removal == .alreadyAbsent, "a role that does not exist had nothing removed")
    }

    @Test func aRefusedLoginNamesTheTargetButNeverThePassword() async throws {
        let good = try TestServers.postgresURL()
        let wrongPassword = "Wr0ng-\(UUID().uuidString)"
        let bad = try #require(TestServers.adminPassword().map { good.replacingOccurrences(of: $0, with: wrongPassword) })
        let run = try PlaybookRun(Self.playbook, secrets: ["TEST_PG": bad])
        let report = try await run.run([("role", "anyone")])
        #expect(report.state == .failed)
        let error = try #require(report.steps.first?.error)
        #expect(error.contains("cannot connect to 127.0.0.1:"))
        #expect(error.contains("28P01"))
        #expect(try await !run.everythingStored(report.id).contains(wrongPassword))
    }

    @Test func whatTheLeaverOwnsIsReassignedAndOnlyTheListedMembershipIsRevoked() async throws {
        let suffix = String(UUID().uuidString.prefix(8)).lowercased()
        let role = "owner_\(suffix)", heir = "heir_\(suffix)", keep = "keep_\(suffix)", drop = "drop_\(suffix)"
        let admin = try await TestServers.admin()
        for sql in ["CREATE ROLE \(heir)", "CREATE ROLE \(keep)", "CREATE ROLE \(drop)", "CREATE ROLE \(role) LOGIN IN ROLE \(keep), \(drop)",
                    "CREATE TABLE notes_\(suffix) (id int)", "ALTER TABLE notes_\(suffix) OWNER TO \(role)"] {
            _ = try await admin.query(PostgresQuery(unsafeSQL: sql), logger: .init(label: "test")).collect()
        }
        let run = try PlaybookRun("""
            playbook: pg-reassign
            version: 1
            steps:
              - id: revoke
                uses: postgres.revoke
                with: { connection: "${secret:TEST_PG}", role: \(role), revoke_memberships: [\(drop)], reassign_owned_to: \(heir) }
            """, secrets: ["TEST_PG": try TestServers.postgresURL()])
        let report = try await run.run([])
        #expect(report.state == .succeeded, "\(report.steps.first?.error ?? "")")
        #expect(report.steps.first?.verification?.holds == true)
        let owner = try await admin.query("SELECT tableowner FROM pg_tables WHERE tablename = \("notes_\(suffix)")", logger: .init(label: "test")).collect()
        #expect(try owner.first?.decode(String.self) == heir)
        var memberships: [String] = []
        for try await name in try await admin.query("""
            SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
            WHERE u.rolname = \(role)
            """, logger: .init(label: "test")).decode(String.self) { memberships.append(name) }
        #expect(memberships == [keep])
        #expect(report.steps.first?.removalReport?.removed == ["login disabled", "membership \(drop) revoked", "1 object(s) it owned reassigned to \(heir)"])
        // Again: nothing is left to disable, revoke or reassign, so nothing is reported removed.
        let again = try await run.run([])
        #expect(again.steps.first?.removal == .alreadyAbsent, "\(String(describing: again.steps.first?.removalReport))")
        try await admin.close()
    }
}
