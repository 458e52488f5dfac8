import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

/// The API's own promises: Idempotency-Key under a race, the list filters, the body limit, no null for a field, and TLS (or the
/// refusal to serve plain HTTP to other machines).
@Suite struct ServeAPITests {
    static func leaver(_ id: String, leaveAt: String = "2030-01-07T17:00:00Z") -> [String: Any] {
        ["playbook": "standard-leaver", "inputs": ["employee_id": id, "full_name": "Ana \(id)", "email": "\(id.lowercased())@example.com", "leave_at": leaveAt]]
    }

    @Test(.timeLimit(.minutes(2)))
    func tenRacingStartsWithOneKeyMakeOneRun() async throws {
        let server = try await ServeProcess()
        defer { server.stop() }
        let hr = try await server.token(role: "hr", name: "hr-portal")
        let answers = try await withThrowingTaskGroup(of: ServeProcess.Answer.self) { group in
            for _ in 0..<10 {
                group.addTask { try await server.request(.POST, "/v1/runs", token: hr, json: Self.leaver("E1"), headers: ["Idempotency-Key": "ticket-4711"]) }
            }
            var all: [ServeProcess.Answer] = []
            for try await answer in group { all.append(answer) }
            return all
        }
        #expect(answers.filter { $0.status == 201 }.count == 1, "\(answers.map(\.status))")
        #expect(answers.filter { $0.status == 200 }.count == 9)
        #expect(Set(answers.compactMap { $0.json["id"] as? String }).count == 1, "every answer names the same run")
        let other = try await server.request(.POST, "/v1/runs", token: hr, json: Self.leaver("E2"), headers: ["Idempotency-Key": "ticket-4711"])
        #expect(other.status == 422 && (other.json["detail"] as? String ?? "").contains("with a different value of '"), "\(other.text)")
        #expect(!other.text.contains("E2"), "the problem names the field, not its value")
        #expect(try await server.request(.GET, "/v1/runs", token: hr).items.count == 1)
        // No token may pass for an HR system in the journal.
        let spoof = try await CLI.running(["token", "create", "--role", "hr", "--name", "hook:bamboohr"], environment: server.environment)
        #expect(spoof.status == 64 && spoof.stderr.contains("which the journal keeps for HR systems"), "\(spoof.stderr)")
    }

    @Test(.timeLimit(.minutes(2)))
    func theListFiltersAndTheBodyLimit() async throws {
        let server = try await ServeProcess()
        defer { server.stop() }
        let ops = try await server.token(role: "operator", name: "ops")
        for id in ["E10", "E11"] { #expect(try await server.request(.POST, "/v1/runs", token: ops, json: Self.leaver(id)).status == 201) }
        let quick = try await server.request(.POST, "/v1/runs", token: ops, json: ["playbook": "contractor-end", "inputs": [String: Any]()])
        #expect(quick.status == 422, "\(quick.text)")
        // Field by field, as the CLI's exit 65 lists them: each missing input named, none of the values echoed.
        let bad = Self.leaver("E12", leaveAt: "next tuesday")
        let refused = try await server.request(.POST, "/v1/runs", token: ops, json: ["playbook": "standard-leaver",
                                                                                   "inputs": (bad["inputs"] as! [String: Any]).filter { $0.key != "email" }])
        #expect(refused.status == 422 && refused.headers["content-type"] == "application/problem+json", "\(refused.text)")
        let fields = Set((refused.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
        #expect(fields == ["email", "leave_at"], "\(refused.text)")
        #expect(!refused.text.contains("next tuesday"), "the problem names the field, not its value")
        let byLeaver = try await server.request(.GET, "/v1/runs?leaver=e11", token: ops).items
        #expect(byLeaver.count == 1)
        let byEmail = try await server.request(.GET, "/v1/runs?leaver=E10@EXAMPLE.COM", token: ops).items
        #expect(byEmail.count == 1 && byEmail[0]["id"] as? String != byLeaver[0]["id"] as? String)
        #expect(try await server.request(.GET, "/v1/runs?playbook=standard-leaver&limit=1", token: ops).items.count == 1)
        #expect(try await server.request(.GET, "/v1/runs?playbook=immediate-leaver", token: ops).items.isEmpty)
        #expect(try await server.request(.GET, "/v1/runs?overdue=true", token: ops).items.isEmpty, "nothing is past a deadline in 2030")
        #expect(try await server.request(.GET, "/v1/runs?state=nonsense", token: ops).status == 400)
        #expect(try await server.request(.POST, "/v1/plans?live=maybe", token: ops, json: Self.leaver("E13")).status == 400, "live is true or false")
        // A playbook is a name in the workflows directory, never a path: nothing else on the server can be read.
        for name in ["../Workflows/standard-leaver", "runs.sqlite", "/etc/passwd", "standard-leaver.yaml", ".hidden"] {
            let answer = try await server.request(.POST, "/v1/plans", token: ops, json: ["playbook": name, "inputs": [String: Any]()])
            #expect(answer.status == 404, "\(name): \(answer.status) \(answer.text)")
        }
        #expect(!server.output.contains("runs.sqlite:"), "the database file was never read as a playbook")
        // An explicit null is refused, never read as "not given" (a retry of {"step": null} would redrive every failed step).
        let run = try #require(byLeaver[0]["id"] as? String)
        let null = try await server.request(.POST, "/v1/runs/\(run)/retry", token: ops, body: Data(#"{"step": null}"#.utf8),
                                            headers: ["Content-Type": "application/json"])
        #expect(null.status == 400 && null.json["detail"] as? String == "'step' must not be null", "\(null.status) \(null.text)")
        // A key the body does not have is ignored, null or not, as the contract allows.
        let extra = try await server.request(.POST, "/v1/runs/\(run)/cancel", token: ops, body: Data(#"{"reason": "test", "note": null}"#.utf8),
                                             headers: ["Content-Type": "application/json"])
        #expect([200, 202].contains(extra.status), "\(extra.status) \(extra.text)")
        let huge = Data(repeating: UInt8(ascii: " "), count: 5 << 20)
        let tooBig = try await server.request(.POST, "/v1/plans", token: ops, body: huge, headers: ["Content-Type": "application/json"])
        #expect(tooBig.status == 413 && tooBig.headers["content-type"] == "application/problem+json", "\(tooBig.status) \(tooBig.text)")
    }

    @Test(.timeLimit(.minutes(2)))
    func plainHTTPIsRefusedOnAReachableAddressAndTLSIsServed() async throws {
        let refused = try await CLI.running(["serve", "--host", "0.0.0.0", "--port", "0"], environment: ["OFFBOARD_DB": NSTemporaryDirectory() + "offboard-tls-\(UUID().uuidString).sqlite"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("refusing to serve plain HTTP on 0.0.0.0"), "\(refused.stderr)")

        let directory = NSTemporaryDirectory() + "offboard-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                             "-keyout", "\(directory)/key.pem", "-out", "\(directory)/cert.pem"]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0)
        let server = try await ServeProcess(arguments: ["--host", "0.0.0.0", "--tls-certificate", "\(directory)/cert.pem", "--tls-key", "\(directory)/key.pem"],
                                            directory: directory)
        defer { server.stop() }
        #expect(server.output.contains("serving https://0.0.0.0:"))
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile("\(directory)/cert.pem"))
        tls.certificateVerification = .noHostnameVerification
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(tlsConfiguration: tls))
        let response = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(server.port)/healthz"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1024)
        try await client.shutdown()
        #expect(response.status == .ok && String(buffer: body) == #"{"status":"ok"}"#)
    }

    /// What a systemd EnvironmentFile can say instead of options: plain HTTP behind a proxy on another machine, and
    /// the worker's concurrency; a value it cannot read is refused, naming the variable.
    @Test(.timeLimit(.minutes(2)))
    func theEnvironmentFileCanSayPlainHTTPBehindAProxyAndTheConcurrency() async throws {
        let database = ["OFFBOARD_DB": NSTemporaryDirectory() + "offboard-env-\(UUID().uuidString).sqlite", "OFFBOARD_HOST": "0.0.0.0"]
        for (name, value, message) in [("OFFBOARD_INSECURE_HTTP", "maybe", "OFFBOARD_INSECURE_HTTP must be true or false (or yes/no, 1/0), not 'maybe'"),
                                       ("OFFBOARD_INSECURE_HTTP", "false", "refusing to serve plain HTTP on 0.0.0.0"),
                                       ("OFFBOARD_CONCURRENCY", "0", "the concurrency must be 1–100000, not '0' (from OFFBOARD_CONCURRENCY)")] {
            let refused = try await CLI.running(["serve", "--port", "0"], environment: database.merging([name: value]) { $1 })
            #expect(refused.status == 64, "\(name)=\(value): \(refused.stderr)")
            #expect(refused.stderr.contains(message), "\(name)=\(value): \(refused.stderr)")
        }
        let server = try await ServeProcess(environment: ["OFFBOARD_HOST": "0.0.0.0", "OFFBOARD_INSECURE_HTTP": "true", "OFFBOARD_CONCURRENCY": "3"])
        defer { server.stop() }
        #expect(server.output.contains("serving http://0.0.0.0:") && server.output.contains("with a worker (up to 3 runs at once)"), "\(server.output)")
        let health = try await server.request(.GET, "/healthz")
        #expect(health.status == 200 && health.text == #"{"status":"ok"}"#)
    }
}
