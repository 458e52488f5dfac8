import Engine
import Foundation
import Logging
import PostgresNIO

/// Authenticated connections to PostgreSQL targets, kept for the next step that reaches the same target with the
/// same credentials, and at most `maxConnections` (the URL's `max_connections`, default 4) open to one target at
/// once by this process.
///
/// A connection costs a backend process on the target and a SCRAM handshake on both sides; a burst of leavers (a
/// layoff) would otherwise open two per revocation at once and wait for CPU. The bound also protects the customer's
/// database: the steps beyond it wait for a connection instead of opening more. Connections are opened exactly as
/// before (`PostgresTarget.connect`), so a refused login still reports PostgreSQL's own SQLSTATE at once; postgres-nio's
/// `PostgresClient` would instead retry with back-off and fail waiting steps with a pool error. A connection idle for
/// more than `checkAfter` must answer a round trip within `checkTimeout` before it is reused; one idle for
/// `idleTimeout` is closed. A place is freed only once its connection has closed, so the server never sees more.
actor PostgresConnectionPool {
    /// One per process, like the HTTP handlers' client.
    static let shared = PostgresConnectionPool()

    /// A connection handed out: give it back with `release`.
    struct Lease: Sendable {
        let connection: PostgresConnection
        let key: PostgresTarget.PoolKey
    }

    private struct Idle {
        let connection: PostgresConnection
        let since: ContinuousClock.Instant
    }

    private struct Waiter {
        let id: UInt64
        /// Resumed with a connection to reuse, or nil when a place to open one is free.
        let continuation: CheckedContinuation<PostgresConnection?, any Error>
    }

    private struct Target {
        var open = 0
        var idle: [Idle] = []
        var waiters: [Waiter] = []
        var sweeping = false
    }

    private var targets: [PostgresTarget.PoolKey: Target] = [:]
    private var nextWaiter: UInt64 = 0
    private let idleTimeout: Duration
    private let checkAfter: Duration
    private let checkTimeout: Duration
    /// Connections log as the pool's, not as the step that happened to open them.
    private let connectionLogger = Logger(label: "offboard.postgres")

    init(idleTimeout: Duration = .seconds(30), checkAfter: Duration = .seconds(1), checkTimeout: Duration = .seconds(3)) {
        self.idleTimeout = idleTimeout
        self.checkAfter = checkAfter
        self.checkTimeout = checkTimeout
    }

    /// Runs `body` on a connection to `target`, waiting for one when `target.maxConnections` are in use. The
    /// connection is kept for reuse unless the body failed in a way that may have left it unusable.
    nonisolated func withConnection<Result: Sendable>(
        to target: PostgresTarget, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let lease = try await acquire(target)
        do {
            let result = try await body(lease.connection)
            await release(lease, reusable: true)
            return result
        } catch {
            await release(lease, reusable: Self.leavesSessionUsable(error))
            throw error
        }
    }

    /// A failure the handler found in what it read, or a statement the server refused with an ERROR, leaves the
    /// session as it was (autocommit: no transaction is ever left open here). Anything else may not: a FATAL error
    /// ends the session, and a lost connection or a cancelled query leaves it in an unknown state.
    static func leavesSessionUsable(_ error: any Error) -> Bool {
        if error is HandlerFailure { return true }
        guard let error = error as? PSQLError, error.code == .server else { return false }
        return error.serverInfo?[.severity] == "ERROR"
    }

    func acquire(_ target: PostgresTarget) async throws -> Lease {
        let key = target.poolKey
        try Task.checkCancellation()
        if let idle = targets[key, default: Target()].idle.popLast() {
            if let usable = await usable(idle) { return Lease(connection: usable, key: key) }
            // Its place is this step's now: open a new connection in it.
            return Lease(connection: try await open(target, key: key), key: key)
        }
        if targets[key, default: Target()].open < target.maxConnections {
            targets[key, default: Target()].open += 1
            return Lease(connection: try await open(target, key: key), key: key)
        }
        if let handed = try await wait(for: key) { return Lease(connection: handed, key: key) }
        // A place was handed over (it is counted already): open a connection in it.
        return Lease(connection: try await open(target, key: key), key: key)
    }

    func release(_ lease: Lease, reusable: Bool) {
        let key = lease.key
        guard reusable && !lease.connection.isClosed else {
            Task { await self.close(lease.connection, freeing: key) }
            return
        }
        if targets[key]?.waiters.isEmpty == false, let waiter = targets[key]?.waiters.removeFirst() {
            waiter.continuation.resume(returning: lease.connection)
            return
        }
        targets[key, default: Target()].idle.append(Idle(connection: lease.connection, since: .now))
        sweepLater(key)
    }

    /// Closes every idle connection and waits until they are closed (when a worker stops, so the targets see a
    /// clean goodbye rather than a dropped socket).
    func closeIdle() async {
        var closing: [(PostgresConnection, PostgresTarget.PoolKey)] = []
        for key in targets.keys {
            closing += (targets[key]?.idle ?? []).map { ($0.connection, key) }
            targets[key]?.idle = []
        }
        await withTaskGroup(of: Void.self) { group in
            for (connection, key) in closing { group.addTask { await self.close(connection, freeing: key) } }
        }
    }

    /// Connections open or being opened to the target (for tests).
    func openConnections(to target: PostgresTarget) -> Int { targets[target.poolKey]?.open ?? 0 }

    /// Steps waiting in the queue for a connection to `target`.
    func waitingSteps(for target: PostgresTarget) -> Int { targets[target.poolKey]?.waiters.count ?? 0 }

    // MARK: - Internals

    /// Opens a connection in a place already counted in `open`; a failure frees the place.
    private func open(_ target: PostgresTarget, key: PostgresTarget.PoolKey) async throws -> PostgresConnection {
        do {
            return try await target.connect(logger: connectionLogger)
        } catch {
            freePlace(key)
            throw error
        }
    }

    /// Closes a connection, then frees its place (the server's count of sessions drops before another opens).
    private func close(_ connection: PostgresConnection, freeing key: PostgresTarget.PoolKey) async {
        try? await connection.close()
        freePlace(key)
    }

    /// A place to one target became free: a waiter may open a connection in it.
    private func freePlace(_ key: PostgresTarget.PoolKey) {
        if targets[key]?.waiters.isEmpty == false, let waiter = targets[key]?.waiters.removeFirst() {
            waiter.continuation.resume(returning: nil)
            return
        }
        targets[key]?.open -= 1
        if let target = targets[key], target.open == 0, target.waiters.isEmpty, !target.sweeping { targets[key] = nil }
    }

    private func wait(for key: PostgresTarget.PoolKey) async throws -> PostgresConnection? {
        nextWaiter += 1
        let id = nextWaiter
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    targets[key, default: Target()].waiters.append(Waiter(id: id, continuation: continuation))
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id, key: key) }
        }
    }

    private func cancelWaiter(_ id: UInt64, key: PostgresTarget.PoolKey) {
        guard let index = targets[key]?.waiters.firstIndex(where: { $0.id == id }),
              let waiter = targets[key]?.waiters.remove(at: index) else { return }
        waiter.continuation.resume(throwing: CancellationError())
    }

    /// The idle connection, if it can still be used: closed and expired ones are not (an expired one is closed), and
    /// one idle for longer than `checkAfter` must answer a round trip within `checkTimeout` first (the server or a
    /// proxy may have ended it, or gone silent, meanwhile). The connection's place stays counted either way.
    private func usable(_ idle: Idle) async -> PostgresConnection? {
        let connection = idle.connection
        if connection.isClosed { return nil }
        let idleFor = ContinuousClock.now - idle.since
        guard idleFor >= checkAfter else { return connection }
        if idleFor < idleTimeout, await Self.answers(connection, within: checkTimeout, logger: connectionLogger) { return connection }
        try? await connection.close()
        return nil
    }

    /// Whether `SELECT 1` comes back in time. postgres-nio's queries ignore task cancellation, so a silent server
    /// is given up on by closing the connection, which ends the query.
    private static func answers(_ connection: PostgresConnection, within limit: Duration, logger: Logger) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await connection.query("SELECT 1", logger: logger).collect()) != nil }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            if !first { try? await connection.close() }
            group.cancelAll()
            return first
        }
    }

    /// Closes the connections idle for `idleTimeout`, each when its time comes, while any is idle.
    private func sweepLater(_ key: PostgresTarget.PoolKey) {
        guard targets[key]?.sweeping == false, let oldest = targets[key]?.idle.map(\.since).min() else { return }
        targets[key]?.sweeping = true
        let due = oldest + idleTimeout
        Task {
            try? await Task.sleep(until: due, clock: .continuous)
            await self.sweep(key)
        }
    }

    private func sweep(_ key: PostgresTarget.PoolKey) async {
        targets[key]?.sweeping = false
        let now = ContinuousClock.now
        let idle = targets[key]?.idle ?? []
        targets[key]?.idle = idle.filter { now - $0.since < idleTimeout }
        sweepLater(key)
        for expired in idle where now - expired.since >= idleTimeout { await close(expired.connection, freeing: key) }
    }
}
