import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// A real `offboard serve` process on a free port, and HTTP requests to it.
final class ServeProcess: @unchecked Sendable {
    // Safe to share: set once in init, then only read.
    let process: Process
    let directory: String
    let environment: [String: String]
    let port: Int
    let log: String

    /// Starts `offboard serve --port 0` on a database in a new directory; returns once it listens.
    init(environment extra: [String: String] = [:], arguments: [String] = [], directory: String? = nil) async throws {
        let directory = directory ?? NSTemporaryDirectory() + "offboard-serve-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.directory = directory
        environment = ["OFFBOARD_DB": "\(directory)/runs.sqlite", "OFFBOARD_WORKFLOWS": "\(CLI.repositoryRoot)/Workflows"].merging(extra) { $1 }
        log = "\(directory)/serve-\(UUID().uuidString.prefix(8)).log"
        process = try PauseTests.process(["serve", "--port", "0"] + arguments, environment: environment, log: log)
        var found: Int?
        let giveUp = Date().addingTimeInterval(30)
        while found == nil, Date() < giveUp, process.isRunning {
            if let text = try? String(contentsOfFile: log, encoding: .utf8),
               let range = text.range(of: #"serving https?://[^:]+:(\d+)"#, options: .regularExpression) {
                found = Int(text[range].split(separator: ":").last ?? "")
            }
            if found == nil { try await Task.sleep(nanoseconds: 50_000_000) }
        }
        guard let found else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            process.terminate()
            throw ServeFailure(message: "offboard serve did not start: \(text)")
        }
        port = found
    }

    /// A new directory with `files` (name → text, `DIR` standing for the directory) in its `workflows/`, and what a
    /// server needs to serve them: playbooks from there and hook mappings (`*.hook.yaml`) from there too.
    static func workflows(_ files: [String: String], prefix: String) throws -> (directory: String, environment: [String: String], arguments: [String]) {
        let directory = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: "\(directory)/workflows", withIntermediateDirectories: true)
        for (name, text) in files {
            try text.replacingOccurrences(of: "DIR", with: directory).write(toFile: "\(directory)/workflows/\(name)", atomically: true, encoding: .utf8)
        }
        return (directory, ["OFFBOARD_WORKFLOWS": "\(directory)/workflows"], ["--hooks", "\(directory)/workflows"])
    }

    struct ServeFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// The log so far.
    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// Stops it as systemd would (SIGTERM) and waits.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
    }

    /// A token made with `offboard token create`.
    func token(role: String, name: String) async throws -> String {
        let made = try await CLI.running(["token", "create", "--role", role, "--name", name], environment: environment)
        try #require(made.status == 0, "\(made.stderr)")
        return made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// One HTTP answer.
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: Data
        /// Every Set-Cookie of the answer (headers keeps only the last).
        var cookies: [String] = []
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
    }

    /// A client that answers redirects as they come (a console page's 303 is what is checked), for the process's life.
    static let withoutRedirects = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                                             configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    func request(_ method: HTTPMethod, _ path: String, token: String? = nil, json: Any? = nil, body: Data? = nil,
                 headers: [String: String] = [:], timeout: Int64 = 30, followRedirects: Bool = true) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
        } else if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await (followRedirects ? HTTPClient.shared : Self.withoutRedirects).execute(request, timeout: .seconds(timeout))
        let buffer = try await response.body.collect(upTo: 16 << 20)
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name.lowercased()] = header.value }
        return Answer(status: Int(response.status.code), headers: fields, body: Data(buffer.readableBytesView),
                      cookies: response.headers["Set-Cookie"])
    }
}
