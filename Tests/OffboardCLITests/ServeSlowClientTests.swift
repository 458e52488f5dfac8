import Foundation
import NIOHTTP1
import Testing

/// `offboard serve` and impatient or broken clients, with the server's own limits (nothing tuned for the test):
/// malformed framing is a 400, never a 500; headers never finished and bodies stalled half-way are ended by the
/// server; a stop finishes within a bounded time whatever the clients do; connections are bounded.
@Suite(.serialized) struct ServeSlowClientTests {
    static let hook = """
        hook: slow-hr
        verify: { scheme: bearer, secret: "${secret:SLOW_HOOK}" }
        employee: event.employee_id
        leaver:
          when: event.status == 'terminated'
          playbook: slow
          effective: event.last_day
          inputs: { employee_id: "{{ event.employee_id }}" }
        """
    static let playbook = """
        playbook: slow
        version: 1
        inputs: { employee_id: { type: string, required: true } }
        steps:
          - { id: note, uses: log, with: { message: "{{ inputs.employee_id }}" } }
        """

    func server() async throws -> ServeProcess {
        let files = try ServeProcess.workflows(["slow.yaml": Self.playbook, "slow.hook.yaml": Self.hook], prefix: "offboard-slow")
        return try await ServeProcess(environment: files.environment.merging(["OFFBOARD_SECRET_SLOW_HOOK": "slow-token"]) { $1 },
                                      arguments: files.arguments, directory: files.directory)
    }

    static func status(_ text: String) -> Int? { Int(text.split(separator: " ").dropFirst().first ?? "") }

    @Test(.timeLimit(.minutes(2)))
    func malformedChunkedBodiesAreBadRequestsNotServerErrors() async throws {
        let server = try await server()
        defer { server.stop() }
        let head = "POST /v1/hooks/slow-hr HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        for body in ["zz\r\n{}\r\n0\r\n\r\n", "2\r\n{\"employee_id\": 1}\r\n0\r\n\r\n"] {
            let connection = try RawConnection(port: server.port)
            try connection.send(head + body)
            let answer = await connection.receive(for: 10)
            #expect(Self.status(answer.text) == 400, "\(answer.text)")
            #expect(answer.text.contains("malformed-request"), "\(answer.text)")
        }
        #expect(!server.output.contains("HTTPParserError"), "\(server.output)")
        // And the server still answers.
        #expect(try await server.request(.GET, "/healthz").status == 200)
    }

    @Test(.timeLimit(.minutes(2)))
    func halfSentHeadersAndStalledBodiesAreEndedAndAStopStillFinishes() async throws {
        let server = try await server()
        let began = Date()
        // Headers that never finish: the connection is closed once it has gone the idle time without a request.
        let headers = try RawConnection(port: server.port)
        try headers.send("POST /v1/hooks/slow-hr HTTP/1.1\r\nHost: x\r\nContent-Le")
        // Half a body, before the signature is checked, then nothing: closed once it has gone the idle time too.
        let body = try RawConnection(port: server.port)
        try body.send("POST /v1/hooks/slow-hr HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{")
        // A body trickled a byte every 2 s (never idle long enough to be closed): 408 once the body time (20 s) is up.
        let trickle = try RawConnection(port: server.port)
        try trickle.send("POST /v1/hooks/slow-hr HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{")
        let trickling = Task.detached {
            for _ in 0..<15 {
                try await Task.sleep(for: .seconds(2))
                try trickle.send(" ")
            }
        }
        let closedHeaders = await headers.receive(for: 20)
        #expect(closedHeaders.closed, "half-sent headers were held open for 20 s")
        #expect(Date().timeIntervalSince(began) >= 9, "closed before the idle time (10 s)")
        let stalled = await body.receive(for: 10)
        #expect(stalled.closed, "a stalled body was held open past the idle time")
        let trickled = await trickle.receive(for: 25)
        #expect(Self.status(trickled.text) == 408, "\(trickled.text)")
        #expect(trickled.text.contains("request-timeout"))
        let tookBody = Date().timeIntervalSince(began)
        #expect(tookBody >= 19 && tookBody < 29, "the trickled body was answered after \(tookBody) s (its limit is 20 s)")
        trickling.cancel()

        // A stop with a trickled body in progress: it finishes once that body's time is up, not when the client likes.
        let another = try RawConnection(port: server.port)
        try another.send("POST /v1/hooks/slow-hr HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{")
        let feeding = Task.detached {
            for _ in 0..<20 {
                try await Task.sleep(for: .seconds(2))
                try another.send(" ")
            }
        }
        defer { feeding.cancel() }
        try await Task.sleep(for: .milliseconds(300))
        let stopping = Date()
        kill(server.process.processIdentifier, SIGTERM)
        await onThread { server.process.waitUntilExit() }
        let stopTook = Date().timeIntervalSince(stopping)
        #expect(stopTook < 25, "the stop took \(stopTook) s with a stalled client")
        #expect(server.process.terminationStatus == 0, "\(server.output)")
    }

    @Test(.timeLimit(.minutes(2)))
    func connectionsAreBoundedAndIdleOnesMakeRoom() async throws {
        let server = try await server()
        defer { server.stop() }
        let pid = server.process.processIdentifier
        func openFiles() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0 }
        let before = openFiles()
        // More idle connections than the server takes at once (512).
        var idle: [RawConnection] = []
        for _ in 0..<600 { idle.append(try RawConnection(port: server.port)) }
        try await Task.sleep(for: .seconds(2))
        let during = openFiles()
        #expect(during - before <= 512 + 8, "the server holds \(during - before) more files with 600 idle clients")
        // A real request still gets its answer: the idle connections are closed after the idle time, making room.
        let asked = Date()
        let health = try await server.request(.GET, "/healthz", timeout: 40)
        #expect(health.status == 200)
        #expect(Date().timeIntervalSince(asked) < 30)
        idle.removeAll()
    }
}
