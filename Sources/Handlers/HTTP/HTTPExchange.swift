import AsyncHTTPClient
import Engine
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP request and its answer, for the handlers that speak HTTP (scim, http). Transport
/// failures become retryable `HandlerFailure`s that name the method and URL, never a header.
struct HTTPExchange: Sendable {
    struct Response: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: Data

        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }

        var json: Any? { body.isEmpty ? nil : try? JSONSerialization.jsonObject(with: body) }

        /// `Retry-After` in seconds (delta form, or an HTTP date), when given; see `RetryAfter`.
        var retryAfter: TimeInterval? {
            header("Retry-After").flatMap { RetryAfter.seconds($0, now: Date()) }
        }

        /// The body as text for an error message: secrets scrubbed first (`secrets` is the attempt's
        /// resolver, which knows what it revealed), then cut short, the cut marked with `…`.
        func snippet(_ secrets: any SecretResolver) -> String {
            let text = secrets.redact(String(decoding: body.prefix(Self.scanned), as: UTF8.self)).replacingOccurrences(of: "\n", with: " ")
            return text.count > 300 || body.count > Self.scanned ? String(text.prefix(300)) + "…" : text
        }

        /// How much of a body is read for a snippet (scrubbed whole, then cut to 300 characters).
        static let scanned = 4_096
    }

    /// `host` or `host:port` of a URL, without user information, path or query: a label for a system
    /// that holds no secret (the evidence names systems by it).
    static func hostLabel(of url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else { return "the configured service" }
        return components.port.map { "\(host):\($0)" } ?? host
    }

    /// The most a response body may be.
    static let maximumBody = 1 << 20

    /// Sends the request; `label` is how errors name it (for example `GET https://host/Users`).
    static func send(_ method: HTTPMethod, _ url: String, headers: [(String, String)], body: Data?, timeout: TimeInterval,
                     label: String) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            let buffer = try await response.body.collect(upTo: maximumBody)
            return Response(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                            body: Data(buffer.readableBytesView))
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw HandlerFailure("\(label): no answer within \(Int(timeout)) s", retryable: true)
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw HandlerFailure("\(label): the response is larger than \(maximumBody) bytes", retryable: false)
        } catch {
            throw HandlerFailure("\(label): \(Self.describe(error))", retryable: true)
        }
    }

    /// A transport error in words, without request details.
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        return "cannot reach the server (\(type(of: error)))"
    }

    /// Fails the step unless `url` is http(s) with a host; `what` names the parameter.
    static func checkURL(_ url: String, what: String) throws(HandlerFailure) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = components.host, !host.isEmpty else {
            throw HandlerFailure("\(what) is not an http(s) URL", retryable: false)
        }
    }
}
