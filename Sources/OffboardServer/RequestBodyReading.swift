import Hummingbird
import NIOCore
import NIOHTTP1

/// How long a client may take to send what it sends. A request's body is read whole within `bodyTime` (a client that
/// sends half a body and stalls gets 408 and its connection closed, so it can hold neither a request slot nor a
/// stopping server), and a connection that sends no part of a request for `idleTime` (headers never finished, or
/// nothing at all) is closed by the server.
public enum ClientLimits {
    /// Longest a connection may go without completing a part of a request (its headers, a chunk of its body).
    public static let idleTime: Duration = .seconds(10)
    /// Longest a request body may take to arrive whole.
    public static let bodyTime: Duration = .seconds(20)
    /// Longest a graceful stop waits for the requests in progress (each bounded by the limits above) before ending
    /// them: well inside systemd's `TimeoutStopSec=60` of the shipped unit.
    public static let stopTime: Duration = .seconds(30)
    /// Most connections open at once; beyond it, new ones wait in the listen backlog until one closes (an idle one
    /// closes after `idleTime`).
    public static let maxConnections = 512
}

extension Request {
    /// The whole body, up to `limit` bytes, read within `within`; a body that takes longer is a 408 problem, and a
    /// body whose chunked encoding is malformed is a 400 problem (either closes the connection).
    func collectBody(upTo limit: Int, within: Duration) async throws -> ByteBuffer {
        let body = self.body
        return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await body.collect(upTo: limit) }
            group.addTask {
                try await Task.sleep(for: within)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let buffer = first else {
                throw Problem.requestTimeout(within)
            }
            return buffer
        }
    }
}

extension Problem {
    /// A body that did not arrive in time.
    static func requestTimeout(_ limit: Duration) -> Problem {
        var problem = Problem(.requestTimeout, "request-timeout", "The request body did not arrive in time",
                              detail: "a request body must arrive whole within \(limit.components.seconds) s")
        problem.headers[.connection] = "close"
        return problem
    }

    /// A request the HTTP parser could not read (a malformed chunk size, a chunk longer than it said).
    static func malformedRequest() -> Problem {
        var problem = Problem(.badRequest, "malformed-request", "The request could not be read",
                              detail: "its framing is not valid HTTP/1.1 (for example a malformed chunk of a chunked body)")
        problem.headers[.connection] = "close"
        return problem
    }
}
