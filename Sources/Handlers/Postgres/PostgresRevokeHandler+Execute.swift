import Engine
import Foundation
import Logging
import Playbook
import PostgresNIO

/// What the catalogue says about a role.
struct PostgresRoleState: Sendable, Hashable {
    var name: String
    var canLogin: Bool
    /// Roles it is a member of, sorted.
    var memberships: [String]
    /// Its open sessions (backends), other than ours.
    var sessions: Int
}

extension PostgresRoleState: CustomStringConvertible {
    /// "role jryan: could log in, member of crm_readers, crm_writers, 2 open session(s)".
    var description: String {
        "role \(name): \(canLogin ? "could log in" : "could not log in"), "
            + (memberships.isEmpty ? "no memberships" : "member of \(memberships.joined(separator: ", "))") + ", \(sessions) open session(s)"
    }
}

/// The `with:` of a `postgres.revoke` step, read for execution.
struct PostgresRevokeParameters: Sendable {
    enum Memberships: Sendable, Hashable { case all, none, only([String]) }

    let connection: String
    let role: String
    let terminateSessions: Bool
    let memberships: Memberships
    let reassignOwnedTo: String?
    let succeedIfMissing: Bool

    init(_ context: ExecutionContext) throws(HandlerFailure) {
        guard let connectionValue = context.parameters["connection"], let url = try context.secrets.reveal(connectionValue) else {
            throw HandlerFailure("connection is missing", retryable: false)
        }
        guard let role = context.parameters["role"]?.displayText, !role.isEmpty else { throw HandlerFailure("role is missing", retryable: false) }
        connection = url
        self.role = role
        if case .bool(let value)? = context.parameters["terminate_sessions"] { terminateSessions = value } else { terminateSessions = true }
        switch context.parameters["revoke_memberships"] {
        case .string("none")?: memberships = .none
        case .list(let roles)?: memberships = .only(roles.compactMap(\.displayText))
        default: memberships = .all
        }
        reassignOwnedTo = context.parameters["reassign_owned_to"]?.displayText
        succeedIfMissing = context.parameters["if_missing"]?.displayText == "succeed"
    }

    /// The memberships of `state` this step revokes.
    func revocable(in state: PostgresRoleState) -> [String] {
        switch memberships {
        case .all: return state.memberships
        case .none: return []
        case .only(let roles): return state.memberships.filter(roles.contains)
        }
    }
}

/// Catalogue reads and the revocation itself; every value is a bound parameter and every
/// identifier is quoted.
enum PostgresRoleCatalog {
    /// A statement whose one parameter is the role's name.
    protocol RoleStatement: PostgresPreparedStatement {
        var role: String { get }
    }

    /// The role's login, memberships and sessions in one statement (one round trip, one snapshot), prepared once per
    /// kept connection.
    struct RoleStateStatement: RoleStatement {
        static let name = "offboard_role_state"
        static let sql = """
            SELECT r.rolname, r.rolcanlogin,
                   ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid ORDER BY g.rolname),
                   (SELECT count(*)::int8 FROM pg_stat_activity a WHERE a.usename = r.rolname AND a.pid <> pg_backend_pid())
            FROM pg_roles r WHERE r.rolname = $1
            """
        typealias Row = (String, Bool, [String], Int64)
        let role: String
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Ends the role's sessions, other than the asking one; counts those the server agreed to end.
    struct TerminateSessionsStatement: RoleStatement {
        static let name = "offboard_terminate_sessions"
        static let sql = """
            SELECT count(*)::int8 FROM (SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
                                        WHERE usename = $1 AND pid <> pg_backend_pid()) t WHERE ended
            """
        typealias Row = Int64
        let role: String
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Int64.self) }
    }

    static func state(of role: String, on connection: PostgresConnection, logger: Logger) async throws -> PostgresRoleState? {
        try await rows(of: RoleStateStatement(role: role), on: connection, logger: logger).last.map { name, canLogin, memberships, sessions in
            PostgresRoleState(name: name, canLogin: canLogin, memberships: memberships, sessions: Int(sessions))
        }
    }

    /// Ends the role's sessions; returns how many the server agreed to end.
    static func terminateSessions(of role: String, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        Int(try await rows(of: TerminateSessionsStatement(role: role), on: connection, logger: logger).last ?? 0)
    }

    /// The statement's rows, prepared on the connection the first time (the server parses and plans it once per kept
    /// connection). Behind a proxy that pools transactions (PgBouncer before 1.21) a named statement may not reach the
    /// session it was prepared in, or collide with another client's: the statement then runs unnamed, as it would
    /// have before it was prepared (nothing ran: the server refused it while preparing).
    static func rows<Statement: PostgresPreparedStatement>(of statement: Statement, on connection: PostgresConnection, logger: Logger)
        async throws -> [Statement.Row] {
        var rows: [Statement.Row] = []
        do {
            for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
        } catch let error as PSQLError where ["26000", "42P05"].contains(error.serverInfo?[.sqlState]) {
            rows = []
            let query = PostgresQuery(unsafeSQL: Statement.sql, binds: try statement.makeBindings())
            for try await row in try await connection.query(query, logger: logger) { rows.append(try statement.decodeRow(row)) }
        }
        return rows
    }

    /// Objects the role owns in this database (and shared ones): what `REASSIGN OWNED` would hand over.
    static func ownedObjects(of role: String, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        var count = 0
        for try await value in try await connection.query("""
            SELECT count(*)::int8 FROM pg_shdepend d JOIN pg_roles r ON r.oid = d.refobjid
            WHERE r.rolname = \(role) AND d.deptype = 'o'
              AND (d.dbid = 0 OR d.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()))
            """, logger: logger).decode(Int64.self) { count = Int(value) }
        return count
    }

    static func run(_ sql: String, on connection: PostgresConnection, logger: Logger) async throws {
        _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
    }
}

extension PostgresRevokeHandler {
    public func execute(_ context: ExecutionContext) async throws -> StepOutcome {
        let parameters = try PostgresRevokeParameters(context)
        let target = try PostgresTarget.named(by: parameters.connection)
        let logger = context.logger
        // The connection's own role would keep a session open (its own, which the check cannot see) and could not
        // connect again to check: revoke it through another administrator.
        guard parameters.role != target.username else {
            throw HandlerFailure("the role to revoke is the one the connection logs in as; revoke it through another role", retryable: false)
        }
        do {
            return try await PostgresConnectionPool.shared.withConnection(to: target) { connection in
                guard let state = try await PostgresRoleCatalog.state(of: parameters.role, on: connection, logger: logger) else {
                    guard parameters.succeedIfMissing else {
                        throw HandlerFailure("role \(parameters.role) does not exist on \(target.label)", retryable: false)
                    }
                    return .accessRemoval(.object(["role": .string(parameters.role), "state": "absent"]),
                                          AccessRemoval(.alreadyAbsent, system: target.label, priorState: "no role \(parameters.role)"))
                }
                let role = try PostgresIdentifier.quoted(state.name)
                // Login first, so nothing revoked below can be used by a session opened meanwhile.
                if state.canLogin { try await PostgresRoleCatalog.run("ALTER ROLE \(role) NOLOGIN", on: connection, logger: logger) }
                let revoked = parameters.revocable(in: state)
                for group in revoked {
                    try await PostgresRoleCatalog.run("REVOKE \(try PostgresIdentifier.quoted(group)) FROM \(role)", on: connection, logger: logger)
                }
                var reassigned = 0
                if let heir = parameters.reassignOwnedTo {
                    reassigned = try await PostgresRoleCatalog.ownedObjects(of: state.name, on: connection, logger: logger)
                    try await PostgresRoleCatalog.run("REASSIGN OWNED BY \(role) TO \(try PostgresIdentifier.quoted(heir))", on: connection, logger: logger)
                }
                let ended = parameters.terminateSessions ? try await PostgresRoleCatalog.terminateSessions(of: state.name, on: connection, logger: logger) : 0
                var output: [String: JSONValue] = [
                    "role": .string(state.name), "state": "disabled", "could_log_in": .bool(state.canLogin),
                    "memberships_revoked": .array(revoked.map { .string($0) }), "sessions_ended": .int(ended),
                ]
                if let heir = parameters.reassignOwnedTo { output["owned_reassigned_to"] = .string(heir) }
                var removed: [String] = []
                if state.canLogin { removed.append("login disabled") }
                removed += revoked.map { "membership \($0) revoked" }
                // Only what there was: a role that owned nothing had nothing reassigned.
                if let heir = parameters.reassignOwnedTo, reassigned > 0 { removed.append("\(reassigned) object(s) it owned reassigned to \(heir)") }
                if ended > 0 { removed.append("\(ended) open session(s) ended") }
                let removal = AccessRemoval(removed.isEmpty ? .alreadyAbsent : .removed, system: target.label, removed: removed,
                                            priorState: state.description)
                return .accessRemoval(.object(output), removal)
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw PostgresTarget.failure(error, doing: "revoke role \(parameters.role) on \(target.label)")
        }
    }

    /// Checks, in statements of its own (each its own transaction, so only what was committed is seen), that the
    /// role cannot log in, holds none of the revoked memberships and has no session left (sessions end
    /// asynchronously: up to 5 s).
    public func verify(_ context: ExecutionContext) async throws -> VerificationResult? {
        let parameters = try PostgresRevokeParameters(context)
        let target = try PostgresTarget.named(by: parameters.connection)
        // A connection for each read, none held through the waits between them.
        func read() async throws -> PostgresRoleState? {
            try await PostgresConnectionPool.shared.withConnection(to: target) { try await PostgresRoleCatalog.state(of: parameters.role, on: $0, logger: context.logger) }
        }
        do {
            var state = try await read()
            // Sessions end asynchronously once terminated; without termination one left open fails at once.
            for _ in 0..<50 where (state?.sessions ?? 0) > 0 && parameters.terminateSessions {
                try await Task.sleep(nanoseconds: 100_000_000)
                state = try await read()
            }
            guard let state else { return VerificationResult(holds: true, detail: "role \(parameters.role) does not exist on \(target.label)") }
            var problems: [String] = []
            if state.canLogin { problems.append("can still log in") }
            let kept = parameters.revocable(in: state)
            if !kept.isEmpty { problems.append("is still a member of \(kept.joined(separator: ", "))") }
            // Whatever terminate_sessions says: a session left open is access not removed.
            if state.sessions > 0 { problems.append("still has \(state.sessions) open session(s)") }
            if problems.isEmpty {
                return VerificationResult(holds: true, detail: "role \(state.name) on \(target.label): cannot log in, "
                                          + "\(parameters.memberships == .none ? "memberships not in scope" : "no revoked membership left"), "
                                          + "\(state.sessions) open session(s)")
            }
            return VerificationResult(holds: false, detail: "role \(state.name) on \(target.label) " + problems.joined(separator: "; "))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw PostgresTarget.failure(error, doing: "check role \(parameters.role) on \(target.label)")
        }
    }
}

extension PostgresRoleCatalog.RoleStatement {
    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(role)
        return bindings
    }
}
