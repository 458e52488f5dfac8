import Foundation
import Hummingbird
import Mustache
import OffboardRuntime
import Playbook

/// The web console: server-rendered pages over the same runtime as the API, for the people in the loop (HR
/// starting a leaver after a preview, each team's task inbox, auditors taking the evidence). Every page and action
/// needs the role the API would need for it; every form carries the session's form token.
public struct Console: Sendable {
    let runtime: ServerRuntime
    let templates: MustacheLibrary
    /// Cookies are `Secure` when the server speaks TLS.
    let secureCookies: Bool
    /// How long a session lasts from sign-in.
    let sessionLifetime: TimeInterval
    /// Sign-in with the identity provider, when one is configured.
    let oidc: OIDCSignIn?
    /// The address browsers reach the server at, for the provider's redirect back (nil: the request's own).
    let publicURL: String?

    public init(runtime: ServerRuntime, secureCookies: Bool, oidc: OIDCConfiguration? = nil, publicURL: String? = nil,
                sessionLifetime: TimeInterval = 8 * 3600) throws {
        self.runtime = runtime
        self.secureCookies = secureCookies
        self.sessionLifetime = sessionLifetime
        self.oidc = oidc.map(OIDCSignIn.init)
        self.publicURL = publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        var library = MustacheLibrary()
        for (name, text) in ConsoleTemplates.all { try library.register(ConsoleTemplates.isolatingValues(text), named: name) }
        templates = library
    }

    /// A page: `template` rendered with `values`, inside the layout (title, navigation for the person's roles).
    func page(_ template: String, title: String, values: [String: Any], visit: ConsoleVisit?, status: HTTPResponse.Status = .ok,
              refresh: String? = nil) -> Response {
        let body = templates.render(values, withTemplate: template) ?? ""
        var layout: [String: Any] = ["title": title, "body": body]
        if let refresh { layout["refresh"] = refresh }
        if let visit {
            layout["person"] = visit.session.person
            layout["roles"] = visit.session.roles.joined(separator: ", ")
            layout["formToken"] = visit.session.formToken
            layout["nav"] = ConsoleNavigation.links(for: visit)
        }
        let html = templates.render(layout, withTemplate: "layout") ?? ""
        return Response(status: status, headers: Self.htmlHeaders, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Pages are never cached, never framed by another site, and load nothing from elsewhere; the live regions'
    /// script may fetch the page it is on again (`connect-src 'self'`), and nothing else.
    static let htmlHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .cacheControl: "no-store",
        .contentSecurityPolicy: "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; frame-src 'self'; base-uri 'none'",
        .init("X-Content-Type-Options")!: "nosniff",
        .init("Referrer-Policy")!: "same-origin",
    ]

    /// A redirect after a form (303, so the browser follows with GET).
    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }
}

/// Why a console page cannot be shown; rendered as a page with the status, never as JSON.
struct ConsoleRefusal: Error {
    var status: HTTPResponse.Status
    var message: String

    static func forbidden(_ message: String) -> ConsoleRefusal { ConsoleRefusal(status: .forbidden, message: message) }
    static func notFound(_ message: String) -> ConsoleRefusal { ConsoleRefusal(status: .notFound, message: message) }
    static func badRequest(_ message: String) -> ConsoleRefusal { ConsoleRefusal(status: .badRequest, message: message) }
}

/// The links a person's roles give them.
enum ConsoleNavigation {
    static func links(for visit: ConsoleVisit) -> [[String: String]] {
        var links: [[String: String]] = []
        if visit.may(ConsoleAccess.readers) { links.append(["href": "/console/runs", "label": "Runs"]) }
        if visit.may(ConsoleAccess.starters) { links.append(["href": "/console/start", "label": "Start a leaver"]) }
        if visit.may(ConsoleAccess.taskActors) { links.append(["href": "/console/tasks", "label": "Tasks"]) }
        return links
    }
}

/// Who may open each kind of console page: the same roles as the API routes behind it.
enum ConsoleAccess {
    static let readers: Set<RoleKind> = [.hr, .operator, .auditor]
    static let starters: Set<RoleKind> = [.hr, .operator]
    static let taskActors: Set<RoleKind> = [.operator, .task]
    static let auditors: Set<RoleKind> = [.operator, .auditor]
}
