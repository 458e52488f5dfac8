import Foundation

/// A plain TCP connection to a local port, for clients HTTP libraries will not be: half-sent headers, a stalled body,
/// a malformed chunk. Blocking calls with a receive timeout; closed on deinit.
final class RawConnection: @unchecked Sendable {
    // Safe to share: the socket is set once; a test sends from one task and receives from another, which sockets allow.
    private let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw RawFailure("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw RawFailure("connect: errno \(errno)")
        }
    }

    deinit { close(socket) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(socket, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw RawFailure("send: errno \(errno)") }
    }

    /// What the server sends until it closes the connection or `seconds` pass; and whether it closed. The blocking
    /// reads run on a thread of their own: on the two cooperative threads of a 2-core machine, a read that waits 20 s
    /// would stall every other test in the process.
    func receive(for seconds: TimeInterval) async -> (text: String, closed: Bool) {
        await onThread { self.blockingReceive(for: seconds) }
    }

    private func blockingReceive(for seconds: TimeInterval) -> (text: String, closed: Bool) {
        var received: [UInt8] = []
        let giveUp = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < giveUp {
            var wait = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
            let count = recv(socket, &buffer, buffer.count, 0)
            if count > 0 { received += buffer[0..<count]; continue }
            if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                return (String(decoding: received, as: UTF8.self), true)
            }
        }
        return (String(decoding: received, as: UTF8.self), false)
    }
}

struct RawFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs blocking work (a socket read, waiting for a process) on a thread of its own, off the cooperative threads.
func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: work()) }
    }
}
