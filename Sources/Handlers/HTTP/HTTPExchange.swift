import AsyncHTTPClient
import Engine
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

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

        /// Seconds until `X-Rate-Limit-Reset` (an epoch time, as Okta sends instead of `Retry-After`), at least 1.
        var rateLimitReset: TimeInterval? {
            header("X-Rate-Limit-Reset").flatMap(TimeInterval.init).map { max(1, $0 - Date().timeIntervalSince1970) }
        }

        /// The URL of `Link: <…>; rel="next"` (RFC 8288), when the response has a next page.
        var nextLink: String? {
            guard let link = header("Link") else { return nil }
            for part in link.split(separator: ",") {
                let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                guard let target = pieces.first, target.hasPrefix("<"), target.hasSuffix(">"),
                      pieces.dropFirst().contains(where: { $0.replacingOccurrences(of: " ", with: "") == "rel=\"next\"" }) else { continue }
                return String(target.dropFirst().dropLast())
            }
            return nil
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

    /// Seconds to establish a connection (env `OFFBOARD_CONNECT_TIMEOUT`, default 5): a server that does not
    /// answer fails the attempt in seconds, not at the request's whole timeout.
    static let connectTimeout: TimeInterval = {
        guard let text = ProcessInfo.processInfo.environment["OFFBOARD_CONNECT_TIMEOUT"], let value = TimeInterval(text),
              value.isFinite, value > 0 else { return 5 }
        return min(value, 300)
    }()

    /// One client for every handler. A refused connection or an unknown host fails at once
    /// (`retryConnectionEstablishment` off): the step's own retry policy decides what happens next, and the
    /// message says what went wrong, instead of the request waiting out its whole timeout.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .milliseconds(Int64(connectTimeout * 1000))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()

    /// Sends the request; `label` is how errors name it (for example `GET https://host/Users`).
    static func send(_ method: HTTPMethod, _ url: String, headers: [(String, String)], body: Data?, timeout: TimeInterval,
                     label: String) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            let buffer = try await response.body.collect(upTo: maximumBody)
            return Response(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                            body: Data(buffer.readableBytesView))
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPClientError where error == .connectTimeout {
            throw HandlerFailure("\(label): cannot connect to \(hostLabel(of: url)): no answer within \(Int(connectTimeout)) s", retryable: true)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw HandlerFailure("\(label): no answer within \(Int(timeout)) s", retryable: true)
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw HandlerFailure("\(label): the response is larger than \(maximumBody) bytes", retryable: false)
        } catch {
            throw HandlerFailure("\(label): \(Self.describe(error, reaching: hostLabel(of: url)))", retryable: true)
        }
    }

    /// Sends the request, waiting out throttling: a `429` or `503` is waited out up to `waits` times, honouring
    /// `Retry-After` or Okta's `X-Rate-Limit-Reset` (at most 30 s each; without either, 1, 2, 4 s), then fails the attempt as retryable, for the step's
    /// own retry policy to take over.
    static func sendWaitingOutThrottling(_ method: HTTPMethod, _ url: String, headers: [(String, String)], body: Data?, timeout: TimeInterval,
                                         label: String, clock: any EngineClock, waits limit: Int = 3) async throws -> Response {
        var waits = 0
        while true {
            let response = try await send(method, url, headers: headers, body: body, timeout: timeout, label: label)
            guard response.status == 429 || response.status == 503 else { return response }
            let delay = response.retryAfter ?? response.rateLimitReset ?? Double(1 << waits)
            guard waits < limit, delay <= 30 else {
                throw HandlerFailure("\(label): HTTP \(response.status), retry after \(Int(delay)) s", retryable: true)
            }
            waits += 1
            try await clock.sleep(until: clock.now().addingTimeInterval(delay))
        }
    }

    /// A transport error in words a person understands ("cannot connect to idp.example.com:443: connection
    /// refused"), without request details.
    static func describe(_ error: any Error, reaching target: String) -> String {
        if let connection = error as? NIOConnectionError {
            if connection.dnsAError != nil || connection.dnsAAAAError != nil, connection.connectionErrors.isEmpty {
                return "cannot connect to \(target): the host name does not resolve (no such host)"
            }
            let reasons = Set(connection.connectionErrors.map { failure in reason(failure.error) })
            return "cannot connect to \(target): " + (reasons.isEmpty ? "no address to connect to" : reasons.sorted().joined(separator: "; "))
        }
        if let io = error as? IOError { return "cannot connect to \(target): \(reason(io))" }
        if let error = error as? HTTPClientError { return "\(error)" }
        return "cannot connect to \(target) (\(type(of: error)))"
    }

    private static func reason(_ error: any Error) -> String {
        guard let io = error as? IOError else { return String(describing: type(of: error)) }
        switch io.errnoCode {
        case ECONNREFUSED: return "connection refused"
        case ETIMEDOUT: return "timed out"
        case EHOSTUNREACH: return "host unreachable"
        case ENETUNREACH: return "network unreachable"
        default: return String(cString: strerror(io.errnoCode))
        }
    }

    /// Whether `url` is on `base`'s origin (scheme, host and port) and names no user: a next page a service hands back
    /// is followed only there, so its token never goes anywhere else.
    static func isSameOrigin(_ url: String, as base: String) -> Bool {
        guard let next = URLComponents(string: url), let origin = URLComponents(string: base) else { return false }
        return next.scheme == origin.scheme && next.host == origin.host && next.port == origin.port && next.user == nil && next.password == nil
    }

    /// An id, login or user principal name as one URL path segment: everything but RFC 3986's unreserved characters
    /// (ASCII only) and `@` percent-encoded.
    static func pathSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved.union(CharacterSet(charactersIn: "@"))) ?? text
    }

    /// RFC 3986's unreserved characters, ASCII only (`.alphanumerics` holds every script's letters).
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Fails the step unless `url` is http(s) with a host; `what` names the parameter.
    static func checkURL(_ url: String, what: String) throws(HandlerFailure) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = components.host, !host.isEmpty else {
            throw HandlerFailure("\(what) is not an http(s) URL", retryable: false)
        }
    }
}
