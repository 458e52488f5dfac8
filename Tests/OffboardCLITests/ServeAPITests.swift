import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

/// What needs a real `offboard serve`: TLS (or the refusal to serve plain HTTP to other machines) and the environment
/// file. The API's other promises are in ServerTests (APIPromiseTests), in process.
@Suite struct ServeAPITests {
    static func leaver(_ id: String, leaveAt: String = "2030-01-07T17:00:00Z") -> [String: Any] {
        ["playbook": "standard-leaver", "inputs": ["employee_id": id, "full_name": "Ana \(id)", "email": "\(id.lowercased())@example.com", "leave_at": leaveAt]]
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
