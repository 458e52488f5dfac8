import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import Logging
import OffboardRuntime

/// An RFC 9457 problem: what went wrong, as `application/problem+json`. It never carries a secret, a stack trace
/// or a personal field: the detail is written by offboard, and record problems name fields, not their values.
public struct Problem: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    /// A short slug: the problem's `type` is `urn:offboard:problem:<slug>`.
    public var slug: String
    public var title: String
    public var detail: String?
    /// Field-by-field problems with a leaver record or a request body.
    public var errors: [LeaverRecord.Problem]?
    /// The run the problem is about, when there is one.
    public var run: String?
    /// For a request a run refused: the kind of refusal (`RequestRefused.Code`) and the field it concerns.
    public var code: String?
    public var field: String?
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ slug: String, _ title: String, detail: String? = nil,
                errors: [LeaverRecord.Problem]? = nil, run: String? = nil) {
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = errors
        self.run = run
    }

    struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String?
        var instance: String?
        var errors: [LeaverRecord.Problem]?
        var run: String?
        var code: String?
        var field: String?
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(type: "urn:offboard:problem:\(slug)", title: title, status: Int(status.code), detail: detail,
                        instance: request.uri.path, errors: errors, run: run, code: code, field: field)
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try APIJSON.encode(body))))
    }

    static func notFound(_ detail: String) -> Problem { Problem(.notFound, "not-found", "Not found", detail: detail) }
    static func badRequest(_ detail: String) -> Problem { Problem(.badRequest, "bad-request", "The request is malformed", detail: detail) }
    static func conflict(_ detail: String, run: String? = nil) -> Problem { Problem(.conflict, "refused", "The run refuses this now", detail: detail, run: run) }
    static func unprocessable(_ detail: String, errors: [LeaverRecord.Problem]? = nil, run: String? = nil) -> Problem {
        Problem(.unprocessableContent, "invalid-input", "The values given are not valid", detail: detail, errors: errors, run: run)
    }
}

/// Turns whatever a handler throws into a problem: ours as they are, Hummingbird's by their status (with its
/// message only for client errors it wrote itself), anything else as a bare 500 that says nothing of the error
/// (it is logged, scrubbed, on the server).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The route table's paths and methods: a known path asked with another method is 405 with `Allow`, not 404.
    let routes: [(method: HTTPRequest.Method, segments: [Substring])]

    init(routes: [APIRoute]) {
        self.routes = routes.map { ($0.method, $0.path.split(separator: "/")) }
    }

    func allowedMethods(_ path: String) -> [String] {
        let segments = path.split(separator: "/")
        return routes.filter { route in
            route.segments.count == segments.count && zip(route.segments, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }.map(\.method.rawValue)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return try problem.response(from: request, context: context)
        } catch let error as HTTPError {
            var status = error.status
            let allowed = status == .notFound ? allowedMethods(request.uri.path) : []
            if !allowed.isEmpty { status = .methodNotAllowed }
            var problem = Problem(status, status == .notFound ? "not-found" : "http-\(status.code)", status.reasonPhrase)
            if status == .notFound { problem.detail = "no route \(request.method.rawValue) \(request.uri.path)" }
            if status == .contentTooLarge { problem.detail = "the request body is larger than the limit of \(APIRequestContext.bodyLimit) bytes" }
            problem.headers = error.headers
            problem.headers[.contentType] = nil
            if !allowed.isEmpty {
                problem.detail = "\(request.uri.path) answers \(allowed.joined(separator: ", ")), not \(request.method.rawValue)"
                problem.headers[.allow] = allowed.joined(separator: ", ")
            }
            return try problem.response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            return try Problem(.contentTooLarge, "too-large", "The request body is too large",
                               detail: "the limit is \(APIRequestContext.bodyLimit) bytes (\(ServerRuntime.hookBodyLimit) for a hook delivery)")
                .response(from: request, context: context)
        } catch is HTTPParserError {
            return try Problem.malformedRequest().response(from: request, context: context)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            context.logger.error("request \(request.method.rawValue) \(request.uri.path) failed: \(String(describing: type(of: error)))")
            return try Problem(.internalServerError, "internal", "The server could not complete the request",
                               detail: "the error is logged on the server").response(from: request, context: context)
        }
    }
}
