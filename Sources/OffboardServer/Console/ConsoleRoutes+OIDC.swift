import Foundation
import Hummingbird
import Logging
import OffboardRuntime

/// Signing in with the identity provider: off to the provider with a login-state cookie (SameSite=Lax, so it comes
/// back with the provider's redirect), then back at the callback, where the state, the code and the ID token are checked.
extension Console {
    static let loginCookie = "offboard_login"

    func redirectURI(_ request: Request) -> String {
        let authority = request.head.authority.flatMap { $0.count <= 255 ? $0 : nil } ?? "127.0.0.1"
        return (publicURL ?? "\(secureCookies ? "https" : "http")://\(authority)") + "/console/oidc/callback"
    }

    func oidcStart(_ request: Request) async -> Response {
        guard let oidc else { return signInPage(request, message: "This server has no identity provider configured; sign in with a token.", status: .notFound) }
        let next = Self.consolePath(request.uri.queryParameters.get("next").map { String($0) })
        do {
            let (url, state) = try await oidc.begin(next: next, redirectURI: redirectURI(request), now: runtime.clock.now())
            var response = Response(status: .seeOther, headers: [.location: url, .cacheControl: "no-store"])
            response.setCookie(Cookie(name: Self.loginCookie, value: state, maxAge: 600, path: "/console/oidc", secure: secureCookies, httpOnly: true, sameSite: .lax))
            return response
        } catch let refusal as OIDCSignIn.Refusal {
            return signInPage(request, message: refusal.message, status: .badGateway)
        } catch {
            runtime.logger.error("console: the sign-in could not begin: \(String(describing: type(of: error)))")
            return signInPage(request, message: "The identity provider could not be reached; try again, or sign in with a token.", status: .badGateway)
        }
    }

    func oidcCallback(_ request: Request) async -> Response {
        guard let oidc else { return signInPage(request, message: "This server has no identity provider configured.", status: .notFound) }
        let query = request.uri.queryParameters
        guard let state = query.get("state").map({ String($0) }), let expected = request.cookies[Self.loginCookie]?.value, SecretText.same(state, expected) else {
            runtime.logger.warning("console: refused a sign-in callback whose state this browser did not start")
            return signInPage(request, message: "This sign-in was not started from this browser; nothing was done. Sign in again.", status: .forbidden)
        }
        if let error = query.get("error") {
            return signInPage(request, message: "The identity provider did not sign you in (\(String(error).prefix(100))).", status: .unauthorized)
        }
        guard let code = query.get("code").map({ String($0) }), !code.isEmpty, code.count < 4096 else {
            return signInPage(request, message: "The identity provider's answer has no sign-in code.", status: .badRequest)
        }
        do {
            let identity = try await oidc.finish(state: state, code: code, now: runtime.clock.now())
            var response = try await startSession(person: identity.person, subject: identity.subject, roles: identity.roles, tokenName: nil,
                                                  next: identity.next, landing: true)
            response.setCookie(Cookie(name: Self.loginCookie, value: "", maxAge: 0, path: "/console/oidc", secure: secureCookies, httpOnly: true, sameSite: .lax))
            return response
        } catch let refusal as OIDCSignIn.Refusal {
            runtime.logger.notice("console: a sign-in with the identity provider was refused: \(refusal.message)")
            return signInPage(request, message: refusal.message, status: .unauthorized)
        } catch {
            runtime.logger.error("console: a sign-in with the identity provider failed: \(String(describing: type(of: error)))")
            return signInPage(request, message: "The sign-in could not be completed; try again.", status: .badGateway)
        }
    }
}
