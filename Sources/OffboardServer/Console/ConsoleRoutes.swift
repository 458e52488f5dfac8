import Foundation
import Hummingbird
import Logging
import OffboardRuntime

/// One console page or action, and who may reach it (nil: anyone signed in).
struct ConsoleRoute: Sendable {
    var method: HTTPRequest.Method
    var path: String
    var access: Set<RoleKind>?
    var handler: @Sendable (Request, APIRequestContext, ConsoleVisit) async throws -> Response
}

extension Console {
    /// Every page and action behind sign-in, with the roles the API would need for the same thing.
    var routes: [ConsoleRoute] {
        [
            ConsoleRoute(method: .get, path: "/console", access: nil, handler: home),
            ConsoleRoute(method: .post, path: "/console/sign-out", access: nil, handler: signOut),
            ConsoleRoute(method: .get, path: "/console/runs", access: ConsoleAccess.readers, handler: runsPage),
            ConsoleRoute(method: .get, path: "/console/runs/:id", access: ConsoleAccess.readers, handler: runPage),
            ConsoleRoute(method: .post, path: "/console/runs/:id/cancel", access: RunActions.roles(.cancel), handler: cancelAction),
            ConsoleRoute(method: .post, path: "/console/runs/:id/reschedule", access: RunActions.roles(.reschedule), handler: rescheduleAction),
            ConsoleRoute(method: .post, path: "/console/runs/:id/retry", access: RunActions.roles(.retry), handler: retryAction),
            ConsoleRoute(method: .get, path: "/console/runs/:id/reverse", access: RunActions.roles(.reverse), handler: reversePreviewPage),
            ConsoleRoute(method: .post, path: "/console/runs/:id/reverse", access: RunActions.roles(.reverse), handler: reverseAction),
            ConsoleRoute(method: .get, path: "/console/runs/:id/evidence", access: ConsoleAccess.auditors, handler: evidencePage),
            ConsoleRoute(method: .get, path: "/console/runs/:id/evidence/:format", access: ConsoleAccess.auditors, handler: evidenceDownload),
            ConsoleRoute(method: .get, path: "/console/start", access: ConsoleAccess.starters, handler: choosePlaybookPage),
            ConsoleRoute(method: .get, path: "/console/start/:playbook", access: ConsoleAccess.starters, handler: startFormPage),
            ConsoleRoute(method: .post, path: "/console/start/:playbook/preview", access: ConsoleAccess.starters, handler: previewAction),
            ConsoleRoute(method: .post, path: "/console/start/:playbook/edit", access: ConsoleAccess.starters, handler: editAction),
            ConsoleRoute(method: .post, path: "/console/start/:playbook", access: ConsoleAccess.starters, handler: confirmStartAction),
            ConsoleRoute(method: .get, path: "/console/tasks", access: ConsoleAccess.taskActors, handler: inboxPage),
            ConsoleRoute(method: .get, path: "/console/tasks/:id/:step", access: ConsoleAccess.taskActors, handler: taskPage),
            ConsoleRoute(method: .post, path: "/console/tasks/:id/:step", access: ConsoleAccess.taskActors, handler: taskAction),
        ]
    }

    /// Registers the sign-in pages, the stylesheet and every route, each behind the session check.
    func register(on router: Router<APIRequestContext>) {
        router.get("/console/sign-in") { request, _ in signInPage(request, message: nil) }
        router.post("/console/sign-in") { request, _ in try await signIn(request) }
        router.get("/console/oidc/start") { request, _ in await oidcStart(request) }
        router.get("/console/oidc/callback") { request, _ in await oidcCallback(request) }
        router.get("/console/console.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(string: ConsoleStyle.css)))
        }
        router.get("/console/live.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(string: ConsoleStyle.liveScript)))
        }
        for route in routes {
            router.on(RouterPath(route.path), method: route.method) { request, context in
                await admit(route, request, context)
            }
        }
    }

    /// The session, the form token (for a post), the role, then the page; whatever goes wrong is a page too.
    func admit(_ route: ConsoleRoute, _ request: Request, _ context: APIRequestContext) async -> Response {
        do {
            guard let secret = request.cookies[ConsoleCookies.session]?.value,
                  let session = try await runtime.store.session(sha256: SecretText.sha256(secret), now: runtime.clock.now()) else {
                if route.method == .get {
                    // Back to the same page after sign-in, its query included (a task's item).
                    let here = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
                    return Self.redirect("/console/sign-in?next=" + (here.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
                }
                return page("message", title: "Not signed in", values: ["message": "This form came without a session of this console (from another site, or after the session ended), so nothing was done. Open the console, sign in if asked, and send it again."],
                            visit: nil, status: .unauthorized)
            }
            var visit = ConsoleVisit(session: session)
            if route.method == .post {
                // A cross-site post carries neither the SameSite=Strict cookie nor this session's form token.
                visit.form = try await ConsoleForm.fields(of: request)
                guard let token = visit.form["form_token"], SecretText.same(token, session.formToken), sameOrigin(request) else {
                    runtime.logger.warning("console: refused a form post to \(SafeText.terminal(request.uri.path)) without this session's form token or from another origin")
                    throw ConsoleRefusal.forbidden("This form did not come from this console, so nothing was done. Open the page again and resend it.")
                }
            }
            if let access = route.access, !visit.may(access) {
                throw ConsoleRefusal.forbidden("Your roles (\(session.roles.joined(separator: ", "))) do not include one this page needs (\(access.map(\.rawValue).sorted().joined(separator: ", "))).")
            }
            do {
                return try await route.handler(request, context, visit)
            } catch let refusal as ConsoleRefusal {
                return page("message", title: "Not possible", values: ["message": refusal.message], visit: visit, status: refusal.status)
            } catch let problem as Problem {
                return page("message", title: problem.title, values: ["message": problem.detail ?? problem.title], visit: visit, status: problem.status)
            }
        } catch let refusal as ConsoleRefusal {
            return page("message", title: "Not possible", values: ["message": refusal.message], visit: nil, status: refusal.status)
        } catch {
            runtime.logger.error("console: \(SafeText.terminal(request.uri.path)) failed: \(String(describing: type(of: error)))")
            // A request may have reached the worker before the failure: say what is known, no more.
            return page("message", title: "Something went wrong", values: ["message": "The server could not finish this page; its log says why. An action you sent may still have been recorded: the run's history shows whether it was."],
                        visit: nil, status: .internalServerError)
        }
    }

    /// True unless the browser says the post came from another origin (Origin, else Referer): against the public URL
    /// when one is set (behind a proxy the Host may be the proxy's), else against the request's own Host.
    func sameOrigin(_ request: Request) -> Bool {
        let from = request.headers[.origin] ?? request.headers[.referer]
        guard let from, from != "null" else { return request.headers[.origin] == nil }
        guard let url = URL(string: from), let fromHost = url.host else { return false }
        let origin = (url.port.map { "\(fromHost):\($0)" } ?? fromHost).lowercased()
        if let publicURL, let own = URL(string: publicURL), let ownHost = own.host {
            return url.scheme?.lowercased() == own.scheme?.lowercased() && origin == (own.port.map { "\(ownHost):\($0)" } ?? ownHost).lowercased()
        }
        guard let host = request.head.authority else { return false }
        return origin == host.lowercased()
    }

    /// A path of this console to return to after sign-in, or nil: never an open redirect to elsewhere.
    static func consolePath(_ text: String?) -> String? {
        guard let text, text.count <= 512, text.hasPrefix("/console"), !text.contains("\\"),
              !text.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value > 0x7e }) else { return nil }
        return text
    }

    func home(_ request: Request, _ context: APIRequestContext, _ visit: ConsoleVisit) async throws -> Response {
        if let first = ConsoleNavigation.links(for: visit).first?["href"] { return Self.redirect(first) }
        return page("message", title: "Signed in", values: ["message": "You are signed in as \(visit.session.person); your roles have no console pages."], visit: visit)
    }

    func signInPage(_ request: Request, message: String?, status: HTTPResponse.Status = .ok) -> Response {
        let secret = SecretText.random()
        let next = request.uri.queryParameters.get("next").map { String($0) } ?? ""
        // A link, not a form: the page's form-action policy would stop a form's redirect to the provider.
        var values: [String: Any] = ["signInToken": secret, "next": next, "message": message as Any,
                                     "nextQuery": next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""]
        if let oidc { values["provider"] = URL(string: oidc.configuration.issuer)?.host ?? oidc.configuration.issuer }
        var response = page("sign-in", title: "Sign in", values: values, visit: nil, status: status)
        response.setCookie(ConsoleCookies.cookie(ConsoleCookies.signIn, value: secret, maxAge: 900, secure: secureCookies))
        return response
    }

    func signIn(_ request: Request) async throws -> Response {
        let form = try await ConsoleForm.fields(of: request)
        guard let expected = request.cookies[ConsoleCookies.signIn]?.value, let sent = form["sign_in_token"], SecretText.same(sent, expected), sameOrigin(request) else {
            return signInPage(request, message: "This sign-in did not come from this console's form; try again.", status: .forbidden)
        }
        let token = (form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.count < 400, let found = try await runtime.tokens.authenticate(token) else {
            runtime.logger.notice("console: a sign-in with a token that is not valid was refused")
            return signInPage(request, message: "That token is not valid, or it was revoked.", status: .unauthorized)
        }
        let subject = "token:\(found.token.name)"
        return try await startSession(person: found.token.name, subject: subject, roles: [found.role.description], tokenName: found.token.name,
                                      next: form["next"])
    }

    /// Makes a session and sets its cookie; a person signed in from a token or the identity provider alike. After
    /// the provider's redirect (a navigation from another site, which a SameSite=Strict cookie does not follow), the
    /// answer is a page that moves on from this site, so the new cookie goes with the next request.
    func startSession(person: String, subject: String, roles: [String], tokenName: String?, next: String?, landing: Bool = false) async throws -> Response {
        let secret = SecretText.random(), now = runtime.clock.now()
        // Expired sessions (names and roles of people) are not kept: each sign-in clears them out.
        _ = try await runtime.store.purgeSessions(before: now)
        try await runtime.store.createSession(ConsoleSession(person: person, subject: subject, roles: roles, tokenName: tokenName,
                                                             formToken: SecretText.random(), createdAt: now,
                                                             expiresAt: now.addingTimeInterval(sessionLifetime)),
                                              sha256: SecretText.sha256(secret))
        runtime.logger.notice("console: \(SafeText.terminal(person)) signed in (\(SafeText.terminal(subject)); roles \(roles.joined(separator: ", ")))")
        let target = Self.consolePath(next) ?? "/console"
        var response = landing ? page("message", title: "Signed in", values: ["message": "Signed in as \(person)."], visit: nil, refresh: target)
            : Self.redirect(target)
        response.setCookie(ConsoleCookies.cookie(ConsoleCookies.session, value: secret, maxAge: Int(sessionLifetime), secure: secureCookies))
        response.setCookie(ConsoleCookies.cookie(ConsoleCookies.signIn, value: "", maxAge: 0, secure: secureCookies))
        return response
    }

    func signOut(_ request: Request, _ context: APIRequestContext, _ visit: ConsoleVisit) async throws -> Response {
        if let secret = request.cookies[ConsoleCookies.session]?.value { try await runtime.store.endSession(sha256: SecretText.sha256(secret)) }
        var response = Self.redirect("/console/sign-in")
        response.setCookie(ConsoleCookies.cookie(ConsoleCookies.session, value: "", maxAge: 0, secure: secureCookies))
        return response
    }
}
