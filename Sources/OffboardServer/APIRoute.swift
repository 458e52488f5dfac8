import Foundation
import Hummingbird
import OffboardRuntime

/// Who may call a route.
public enum Access: Sendable, Hashable {
    /// Anyone (liveness and readiness).
    case open
    /// An HR system, by the verification scheme its hook source configures.
    case signed
    /// A bearer token with one of these roles.
    case roles(Set<RoleKind>)
}

/// One route of the API: the single table both the router and the OpenAPI agreement test read.
public struct APIRoute: Sendable {
    public var method: HTTPRequest.Method
    /// The path as the OpenAPI document writes it (`/v1/runs/{id}`).
    public var path: String
    public var operationID: String
    public var access: Access
    let handler: @Sendable (Request, APIRequestContext) async throws -> Response

    init(_ method: HTTPRequest.Method, _ path: String, _ operationID: String, _ access: Access,
         _ handler: @escaping @Sendable (Request, APIRequestContext) async throws -> Response) {
        self.method = method
        self.path = path
        self.operationID = operationID
        self.access = access
        self.handler = handler
    }

    /// The method's name (`GET`).
    public var methodName: String { method.rawValue }

    /// The path as Hummingbird's router writes it (`/v1/runs/:id`).
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : part
        }.joined(separator: "/")
    }
}

extension APIRequestContext {
    /// The caller, which every route behind a role has (the router checked it).
    func requireCaller() throws -> Caller {
        guard let caller else { throw Problem(.unauthorized, "unauthenticated", "A bearer token is required") }
        return caller
    }

    /// A path parameter, which the router guarantees.
    func parameter(_ name: String) throws -> String {
        guard let value = parameters.get(name) else { throw Problem.badRequest("the path has no \(name)") }
        return value
    }
}

/// Checks the bearer token and the role for each route before its handler runs.
struct Gatekeeper: Sendable {
    let tokens: TokenIssuer

    func admit(_ route: APIRoute, _ request: Request, _ context: inout APIRequestContext) async throws {
        guard case .roles(let kinds) = route.access else { return }
        guard let header = request.headers[.authorization], header.count < 400,
              header.lowercased().hasPrefix("bearer "),
              let found = try await tokens.authenticate(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)) else {
            var problem = Problem(.unauthorized, "unauthenticated", "A valid bearer token is required",
                                  detail: request.headers[.authorization] == nil ? "send Authorization: Bearer <token>" : "the token is not valid, or it was revoked")
            problem.headers[.wwwAuthenticate] = #"Bearer realm="offboard""#
            throw problem
        }
        let caller = Caller(token: found.token, role: found.role)
        guard kinds.contains(RoleKind(found.role)) else {
            throw Problem(.forbidden, "forbidden", "This token's role may not do this",
                          detail: "\(route.operationID) needs one of the roles \(kinds.map(\.rawValue).sorted().joined(separator: ", ")); this token is \(found.role)")
        }
        context.caller = caller
    }
}

extension Router where Context == APIRequestContext {
    /// Registers every route of `table`, each behind the gatekeeper.
    func register(_ table: [APIRoute], gatekeeper: Gatekeeper) {
        for route in table {
            on(RouterPath(route.routerPath), method: route.method) { request, context in
                var context = context
                try await gatekeeper.admit(route, request, &context)
                return try await route.handler(request, context)
            }
        }
    }
}
