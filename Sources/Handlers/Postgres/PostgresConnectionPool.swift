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
/// more than a second is checked with a round trip before it is reused; one idle for `idleTimeout` is closed.
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

    init(idleTimeout: Duration = .seconds(30), checkAfter: Duration = .seconds(1)) {
        self.idleTimeout = idleTimeout
        self.checkAfter = checkAfter
    }

    /// Runs `body` on a connection to `target`, waiting for one when `target.maxConnections` are in use. The
    /// connection is kept for reuse unless the body failed in a way that may have left it unusable.
    nonisolated func withConnection<Result: Sendable>(
        to target: PostgresTarget, logger: Logger, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let lease = try await acquire(target, logger: logger)
        do {
            let result = try await body(lease.connection)
            await release(lease, reusable: true)
            return result
        } catch {
            // A statement the server refused leaves the session as it was (no transaction is ever left open here), and
            // so does a failure the handler found in what it read; anything else (a lost connection, a cancelled
            // query) may not.
            await release(lease, reusable: error is HandlerFailure || (error as? PSQLError)?.code == .server)
            throw error
        }
    }

    func acquire(_ target: PostgresTarget, logger: Logger) async throws -> Lease {
        let key = target.poolKey
        while true {
            try Task.checkCancellation()
            if let idle = targets[key, default: Target()].idle.popLast() {
                if let usable = await usable(idle, logger: logger) { return Lease(connection: usable, key: key) }
                targets[key]?.open -= 1
                continue
            }
            if targets[key, default: Target()].open < target.maxConnections {
                targets[key, default: Target()].open += 1
                return Lease(connection: try await open(target, key: key, logger: logger), key: key)
            }
            if let handed = try await wait(for: key) {
                return Lease(connection: handed, key: key)
            }
            // A place is free: open a connection in it (the place was handed over, so it is counted already).
            return Lease(connection: try await open(target, key: key, logger: logger), key: key)
        }
    }

    func release(_ lease: Lease, reusable: Bool) {
        let key = lease.key
        if reusable && !lease.connection.isClosed {
            if targets[key]?.waiters.isEmpty == false, let waiter = targets[key]?.waiters.removeFirst() {
                waiter.continuation.resume(returning: lease.connection)
                return
            }
            targets[key, default: Target()].idle.append(Idle(connection: lease.connection, since: .now))
            sweepLater(key)
            return
        }
        close(lease.connection)
        freePlace(key)
    }

    /// Closes every idle connection (at shutdown, so the targets see a clean goodbye rather than a dropped socket).
    func closeIdle() {
        for key in targets.keys {
            let idle = targets[key]?.idle ?? []
            targets[key]?.idle = []
            targets[key]?.open -= idle.count
            idle.forEach { close($0.connection) }
        }
    }

    // MARK: - Internals

    /// Opens a connection in a place already counted in `open`; a failure frees the place.
    private func open(_ target: PostgresTarget, key: PostgresTarget.PoolKey, logger: Logger) async throws -> PostgresConnection {
        do {
            return try await target.connect(logger: logger)
        } catch {
            freePlace(key)
            throw error
        }
    }

    /// A place to one target became free: a waiter may open a connection in it.
    private func freePlace(_ key: PostgresTarget.PoolKey) {
        if targets[key]?.waiters.isEmpty == false, let waiter = targets[key]?.waiters.removeFirst() {
            waiter.continuation.resume(returning: nil)
        } else {
            targets[key]?.open -= 1
        }
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

    /// The idle connection, if it can still be used: closed ones are dropped, and one idle for longer than
    /// `checkAfter` must answer a round trip first (the server or a proxy may have ended it meanwhile).
    private func usable(_ idle: Idle, logger: Logger) async -> PostgresConnection? {
        if idle.connection.isClosed { return nil }
        if ContinuousClock.now - idle.since >= idleTimeout {
            close(idle.connection)
            return nil
        }
        guard ContinuousClock.now - idle.since >= checkAfter else { return idle.connection }
        do {
            _ = try await idle.connection.query("SELECT 1", logger: logger).collect()
            return idle.connection
        } catch {
            close(idle.connection)
            return nil
        }
    }

    /// Closes connections idle for `idleTimeout`, while any is idle.
    private func sweepLater(_ key: PostgresTarget.PoolKey) {
        guard targets[key]?.sweeping == false else { return }
        targets[key]?.sweeping = true
        let timeout = idleTimeout
        Task {
            try? await Task.sleep(for: timeout)
            await self.sweep(key)
        }
    }

    private func sweep(_ key: PostgresTarget.PoolKey) {
        targets[key]?.sweeping = false
        let now = ContinuousClock.now
        let (expired, kept) = (targets[key]?.idle ?? []).partitioned { now - $0.since >= idleTimeout }
        targets[key]?.idle = kept
        targets[key]?.open -= expired.count
        expired.forEach { close($0.connection) }
        if !kept.isEmpty { sweepLater(key) }
        if let target = targets[key], target.open == 0, target.waiters.isEmpty { targets[key] = nil }
    }

    private nonisolated func close(_ connection: PostgresConnection) {
        Task { try? await connection.close() }
    }
}

private extension Array {
    func partitioned(by isFirst: (Element) -> Bool) -> ([Element], [Element]) {
        var first: [Element] = [], second: [Element] = []
        for element in self { if isFirst(element) { first.append(element) } else { second.append(element) } }
        return (first, second)
    }
}
