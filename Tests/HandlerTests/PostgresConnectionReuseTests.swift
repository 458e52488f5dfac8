import Engine
import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import Handlers
import Logging
import Playbook
import PostgresNIO
import TestServerSupport
import Testing

/// `postgres.revoke` keeps its connections to a target for the next step, at most `max_connections` at once: against
/// the real PostgreSQL cluster, through an administrator role of the test's own whose `CONNECTION LIMIT` the server
/// enforces, so one connection too many would fail a step with SQLSTATE 53300.
@Suite(.timeLimit(.minutes(1))) struct PostgresConnectionReuseTests {
    static let logger = Logger(label: "test")

    /// An administrator role allowed two connections by the server itself, and a connection URL for it.
    struct Administrator {
        let name: String
        let url: String

        init(limit: Int, urlLimit: Int) async throws {
            let suffix = String(UUID().uuidString.prefix(8)).lowercased()
            name = "pool_admin_\(suffix)"
            let admin = try await TestServers.admin()
            _ = try await admin.query(PostgresQuery(unsafeSQL: "CREATE ROLE \(name) LOGIN CREATEROLE CONNECTION LIMIT \(limit) PASSWORD 'pool-pw'"),
                                      logger: logger).collect()
            try await admin.close()
            let port = try #require(URLComponents(string: try TestServers.postgresURL())?.port)
            url = "postgres://\(name):pool-pw@127.0.0.1:\(port)/postgres?sslmode=disable&max_connections=\(urlLimit)"
        }

        /// The server processes of this role's sessions now.
        func backends() async throws -> Set<Int32> {
            let admin = try await TestServers.admin()
            var pids: Set<Int32> = []
            for try await pid in try await admin.query("SELECT pid FROM pg_stat_activity WHERE usename = \(name)", logger: logger).decode(Int32.self) {
                pids.insert(pid)
            }
            try await admin.close()
            return pids
        }
    }

    static func leavers(_ count: Int) async throws -> [String] {
        let suffix = String(UUID().uuidString.prefix(8)).lowercased()
        let roles = (0..<count).map { "burst_\(suffix)_\($0)" }
        let admin = try await TestServers.admin()
        for role in roles {
            _ = try await admin.query(PostgresQuery(unsafeSQL: "CREATE ROLE \(role) LOGIN PASSWORD 'x'"), logger: logger).collect()
        }
        try await admin.close()
        return roles
    }

    /// The revocation under test: `postgres.revoke` of one role, tried once (`${secret:TEST_PG}` is the connection).
    static let playbook = PostgresRevokeTests.playbook

    @Test func aBurstOfRevocationsSharesAtMostMaxConnectionsAndTheNextStepReusesThem() async throws {
        let administrator = try await Administrator(limit: 2, urlLimit: 2)
        let roles = try await Self.leavers(12)
        let run = try PlaybookRun(Self.playbook, secrets: ["TEST_PG": administrator.url])
        // Twelve at once: with a connection per step (two, counting the check) the server would refuse the third.
        let reports = try await withThrowingTaskGroup(of: RunReport.self) { group in
            for role in roles { group.addTask { try await run.run([("role", role)]) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for report in reports {
            #expect(report.state == .succeeded, "\(report.steps.first?.error ?? "")")
            #expect(report.steps.first?.verification?.holds == true)
            #expect(report.steps.first?.removal == .removed)
        }
        let admin = try await TestServers.admin()
        for role in roles {
            let rows = try await admin.query("SELECT rolcanlogin FROM pg_roles WHERE rolname = \(role)", logger: Self.logger).collect()
            #expect(try rows.first?.decode(Bool.self) == false, "\(role) can still log in")
        }
        try await admin.close()

        // The connections stay open, idle, and the next step uses one of them rather than a new one.
        let kept = try await administrator.backends()
        #expect((1...2).contains(kept.count), "\(kept)")
        let next = try await Self.leavers(1)
        let report = try await run.run([("role", next[0])])
        #expect(report.state == .succeeded, "\(report.steps.first?.error ?? "")")
        #expect(try await administrator.backends() == kept)
    }

    /// Ended by the server: the client sees the socket close, and the next step opens a new connection.
    @Test func aKeptConnectionTheServerEndedIsReplacedWithoutFailingTheStep() async throws {
        let administrator = try await Administrator(limit: 2, urlLimit: 1)
        let roles = try await Self.leavers(2)
        let run = try PlaybookRun(Self.playbook, secrets: ["TEST_PG": administrator.url])
        #expect(try await run.run([("role", roles[0])]).state == .succeeded)
        let first = try await administrator.backends()
        #expect(first.count == 1)
        // The server (an administrator, a restart, an idle timeout) ends the kept session.
        let admin = try await TestServers.admin()
        _ = try await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = \(administrator.name)",
                                  logger: Self.logger).collect()
        try await admin.close()
        // Past the pool's default `checkAfter` (1 s of idleness, on the monotonic clock): the kept connection is
        // checked before it is reused, as a user's would be. This wait is the default's own length, not a guess.
        try await Task.sleep(for: .milliseconds(1_200))
        let report = try await run.run([("role", roles[1])])
        #expect(report.state == .succeeded, "\(report.steps.first?.error ?? "")")
        #expect(report.steps.first?.attempts == 1)
        #expect(report.steps.first?.verification?.holds == true)
        let now = try await administrator.backends()
        #expect(now.count == 1 && now.isDisjoint(with: first), "first \(first), now \(now)")
    }

    @Test func aWrongMaxConnectionsFailsTheStepWithoutShowingTheURL() async throws {
        let administrator = try await Administrator(limit: 1, urlLimit: 1)
        let url = administrator.url.replacingOccurrences(of: "max_connections=1", with: "max_connections=0")
        let run = try PlaybookRun(Self.playbook, secrets: ["TEST_PG": url])
        let report = try await run.run([("role", "anyone")])
        #expect(report.state == .failed)
        #expect(report.steps.first?.error == "connection URL: max_connections must be a whole number from 1 to 100")
        #expect(try await !run.everythingStored(report.id).contains("pool-pw"))
    }

    /// A kept connection whose server went silent (its backend process stopped, as after a failover that left the
    /// old host unanswering): with the defaults, the next step's check gives up on it after 3 s and the step goes on
    /// with a new connection rather than waiting for TCP to time out.
    @Test func aKeptConnectionWhoseServerWentSilentIsGivenUpOnWithTheDefaults() async throws {
        let administrator = try await Administrator(limit: 3, urlLimit: 1)
        let roles = try await Self.leavers(2)
        let run = try PlaybookRun(Self.playbook, secrets: ["TEST_PG": administrator.url])
        #expect(try await run.run([("role", roles[0])]).state == .succeeded)
        let silent = try #require(try await administrator.backends().first)
        #expect(kill(silent, SIGSTOP) == 0)
        defer { _ = kill(silent, SIGCONT) }
        // Past the default `checkAfter` (1 s idle): the silent connection is checked, with the default 3 s limit.
        try await Task.sleep(for: .milliseconds(1_100))
        let began = ContinuousClock.now
        let report = try await run.run([("role", roles[1])])
        #expect(report.state == .succeeded, "\(report.steps.first?.error ?? "")")
        #expect(report.steps.first?.attempts == 1)
        #expect(report.steps.first?.verification?.holds == true)
        #expect(ContinuousClock.now - began < .seconds(15))
    }

    /// Every step refused at login (a wrong password), several at once with room for one connection: each fails at
    /// once with PostgreSQL's SQLSTATE, none waits for ever, and no place stays taken.
    @Test func refusedLoginsWithStepsQueuedAllFailAndFreeEveryPlace() async throws {
        let administrator = try await Administrator(limit: 2, urlLimit: 1)
        let url = administrator.url.replacingOccurrences(of: "pool-pw", with: "wrong-pw")
        let run = try PlaybookRun(Self.playbook, secrets: ["TEST_PG": url])
        let reports = try await withThrowingTaskGroup(of: RunReport.self) { group in
            for index in 0..<5 { group.addTask { try await run.run([("role", "nobody_\(index)")]) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for report in reports {
            #expect(report.state == .failed)
            #expect(report.steps.first?.error?.contains("28P01") == true, "\(report.steps.first?.error ?? "")")
        }
        #expect(await PostgresConnectionPool.shared.openConnections(to: try PostgresTarget(url: url)) == 0)
    }

    /// A statement the server refuses (an ERROR, not FATAL) leaves the session usable: the connection is kept, and
    /// reused once it has answered the check.
    @Test func aRefusedStatementKeepsTheConnection() async throws {
        let administrator = try await Administrator(limit: 2, urlLimit: 1)
        let target = try PostgresTarget(url: administrator.url)
        let pool = PostgresConnectionPool(checkAfter: .zero)
        await #expect(throws: PSQLError.self) {
            try await pool.withConnection(to: target) { _ = try await $0.query("SELECT 1 / 0", logger: Self.logger).collect() }
        }
        let first = try await administrator.backends()
        #expect(first.count == 1)
        #expect(await pool.openConnections(to: target) == 1)
        try await pool.withConnection(to: target) { _ = try await $0.query("SELECT 2", logger: Self.logger).collect() }
        #expect(try await administrator.backends() == first)
        await pool.closeIdle()
        #expect(await pool.openConnections(to: target) == 0)
    }

    /// A connection idle past the pool's idle time is closed, and its place freed.
    @Test func anIdleConnectionIsClosedInTime() async throws {
        let administrator = try await Administrator(limit: 2, urlLimit: 1)
        let target = try PostgresTarget(url: administrator.url)
        let pool = PostgresConnectionPool(idleTimeout: .seconds(1))
        try await pool.withConnection(to: target) { connection in
            _ = try await connection.query("SELECT 1", logger: Self.logger).collect()
            #expect(try await administrator.backends().count == 1)
        }
        // Kept once used (asked at once: on a loaded machine, a second read of the server's sessions came after a
        // 300 ms idle time once), then closed once idle that long, its session gone.
        #expect(await pool.openConnections(to: target) == 1)
        for _ in 0..<200 where await pool.openConnections(to: target) > 0 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(await pool.openConnections(to: target) == 0)
        for _ in 0..<200 where try await !administrator.backends().isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try await administrator.backends().isEmpty)
    }

    /// The statement names already taken in the session (as behind a proxy that pools transactions, where another
    /// client's session may be the one reached): the step still runs, its statements unnamed, and says the truth.
    @Test func takenStatementNamesFallBackToUnnamedStatements() async throws {
        let administrator = try await Administrator(limit: 2, urlLimit: 1)
        let roles = try await Self.leavers(1)
        let target = try PostgresTarget(url: administrator.url)
        // The one connection this target gets, with both names taken by other statements.
        try await PostgresConnectionPool.shared.withConnection(to: target) { connection in
            _ = try await connection.query("PREPARE offboard_role_state AS SELECT 1", logger: Self.logger).collect()
            _ = try await connection.query("PREPARE offboard_terminate_sessions AS SELECT 2", logger: Self.logger).collect()
        }
        let run = try PlaybookRun(Self.playbook, secrets: ["TEST_PG": administrator.url])
        let report = try await run.run([("role", roles[0])])
        #expect(report.state == .succeeded, "\(report.steps.first?.error ?? "")")
        #expect(report.steps.first?.removal == .removed)
        #expect(report.steps.first?.verification?.holds == true)
        #expect(report.steps.first?.removalReport?.priorState == "role \(roles[0]): could log in, no memberships, 0 open session(s)")
        let admin = try await TestServers.admin()
        let rows = try await admin.query("SELECT rolcanlogin FROM pg_roles WHERE rolname = \(roles[0])", logger: Self.logger).collect()
        try await admin.close()
        #expect(try rows.first?.decode(Bool.self) == false)
    }

    @Test func theConnectionsOwnRoleIsNotRevokedThroughIt() async throws {
        let administrator = try await Administrator(limit: 1, urlLimit: 1)
        let run = try PlaybookRun(Self.playbook, secrets: ["TEST_PG": administrator.url])
        let report = try await run.run([("role", administrator.name)])
        #expect(report.state == .failed)
        #expect(report.steps.first?.error == "the role to revoke is the one the connection logs in as; revoke it through another role")
    }

    /// A step waiting for a connection gives up its place in the queue when its task is cancelled (a worker
    /// stopping), and the connection it would have had goes to the next one.
    @Test func aWaiterCancelledLeavesTheQueue() async throws {
        let administrator = try await Administrator(limit: 1, urlLimit: 1)
        let target = try PostgresTarget(url: administrator.url)
        let pool = PostgresConnectionPool()
        let held = try await pool.acquire(target)
        let waiting = Task { try await pool.acquire(target) }
        // Cancelled once it is queued (not before it has asked).
        for _ in 0..<400 where await pool.waitingSteps(for: target) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(await pool.waitingSteps(for: target) == 1)
        waiting.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiting.value }
        await pool.release(held, reusable: true)
        let next = try await pool.acquire(target)
        #expect(next.connection === held.connection)
        await pool.release(next, reusable: true)
        await pool.closeIdle()
    }
}
