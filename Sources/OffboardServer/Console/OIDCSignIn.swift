import AsyncHTTPClient
import Crypto
import Foundation
import JWTKit
import NIOCore
import NIOHTTP1
import OffboardRuntime
import Playbook

/// The console's side of OpenID Connect: it sends the browser to the provider with a state, a nonce and a PKCE
/// challenge, then exchanges the code and accepts the ID token only when its signature verifies against the
/// provider's published keys and its issuer, audience, expiry and nonce are right.
actor OIDCSignIn {
    let configuration: OIDCConfiguration
    private var discovery: Discovery?
    private var keys: JWTKeyCollection?
    /// Sign-ins under way, by state: each is used once, within ten minutes.
    private var pending: [String: Pending] = [:]

    struct Discovery: Decodable {
        var issuer: String
        var authorizationEndpoint: String
        var tokenEndpoint: String
        var jwksURI: String

        enum CodingKeys: String, CodingKey {
            case issuer, authorizationEndpoint = "authorization_endpoint", tokenEndpoint = "token_endpoint", jwksURI = "jwks_uri"
        }
    }

    struct Pending {
        var verifier: String
        var nonce: String
        var next: String?
        var redirectURI: String
        var expires: Date
    }

    /// Who the provider says signed in.
    struct Identity: Sendable {
        var person: String
        var subject: String
        var roles: [String]
        var next: String?
    }

    /// Why a sign-in did not complete; the message is for the person (never a token or code).
    struct Refusal: Error {
        var message: String
    }

    /// Sign-ins under way at most (each a few hundred bytes).
    static let capacity = 10_000

    init(configuration: OIDCConfiguration) { self.configuration = configuration }

    /// The provider's authorization address for a new sign-in, and its state (for the login-state cookie).
    func begin(next: String?, redirectURI: String, now: Date) async throws -> (url: String, state: String) {
        let discovery = try await discovered()
        pending = pending.filter { $0.value.expires > now }
        // Anyone may begin a sign-in: past the cap the oldest is forgotten, so a flood cannot lock people out or fill memory.
        if pending.count >= Self.capacity, let oldest = pending.min(by: { $0.value.expires < $1.value.expires })?.key { pending[oldest] = nil }
        let state = SecretText.random(), nonce = SecretText.random(), verifier = SecretText.random(bytes: 64)
        pending[state] = Pending(verifier: verifier, nonce: nonce, next: next, redirectURI: redirectURI, expires: now.addingTimeInterval(600))
        let challenge = SecretText.base64URL(Data(SHA256.hash(data: Data(verifier.utf8))))
        var components = URLComponents(string: discovery.authorizationEndpoint)
        let existing = components?.queryItems ?? []
        components?.queryItems = existing + [
            URLQueryItem(name: "response_type", value: "code"), URLQueryItem(name: "client_id", value: configuration.clientID),
            URLQueryItem(name: "redirect_uri", value: redirectURI), URLQueryItem(name: "scope", value: configuration.scopes),
            URLQueryItem(name: "state", value: state), URLQueryItem(name: "nonce", value: nonce),
            URLQueryItem(name: "code_challenge", value: challenge), URLQueryItem(name: "code_challenge_method", value: "S256"),
        ]
        guard let url = components?.url?.absoluteString else { throw Refusal(message: "The identity provider's authorization address is not a URL.") }
        return (url, state)
    }

    /// Completes a sign-in: the state must be one this server began (once), then the code is exchanged and the ID
    /// token checked.
    func finish(state: String, code: String, now: Date) async throws -> Identity {
        guard let login = pending.removeValue(forKey: state), login.expires > now else {
            throw Refusal(message: "This sign-in was not started here, was already used, or took longer than ten minutes. Sign in again.")
        }
        let discovery = try await discovered()
        var form = URLComponents()
        form.queryItems = [URLQueryItem(name: "grant_type", value: "authorization_code"), URLQueryItem(name: "code", value: code),
                           URLQueryItem(name: "redirect_uri", value: login.redirectURI), URLQueryItem(name: "code_verifier", value: login.verifier),
                           URLQueryItem(name: "client_id", value: configuration.clientID)]
        var request = HTTPClientRequest(url: discovery.tokenEndpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        if let secret = configuration.clientSecret {
            let pair = "\(Self.formEncode(configuration.clientID)):\(Self.formEncode(secret))"
            request.headers.add(name: "Authorization", value: "Basic " + Data(pair.utf8).base64EncodedString())
        }
        request.body = .bytes(ByteBuffer(string: (form.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok, let tokens = try? JSONDecoder().decode(TokenResponse.self, from: Data(body.readableBytesView)) else {
            throw Refusal(message: "The identity provider did not exchange the sign-in code (HTTP \(response.status.code)).")
        }
        return try await identity(from: tokens.idToken, nonce: login.nonce, next: login.next, now: now)
    }

    struct TokenResponse: Decodable {
        var idToken: String
        enum CodingKeys: String, CodingKey { case idToken = "id_token" }
    }

    /// The ID token's claims this console reads; the signature, issuer, audience, expiry and nonce are checked.
    struct IDToken: JWTPayload {
        var iss: IssuerClaim
        var sub: SubjectClaim
        var aud: AudienceClaim
        var exp: ExpirationClaim
        var nonce: String?
        var name: String?
        var preferredUsername: String?
        var email: String?

        enum CodingKeys: String, CodingKey {
            case iss, sub, aud, exp, nonce, name, email
            case preferredUsername = "preferred_username"
        }

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    func identity(from token: String, nonce: String, next: String?, now: Date) async throws -> Identity {
        let payload: IDToken
        do {
            payload = try await verified(token, reloadingKeys: false)
        } catch {
            // A key the provider rotated in since the keys were read: read them once more.
            payload = try await verified(token, reloadingKeys: true)
        }
        guard payload.iss.value == configuration.issuer else { throw Refusal(message: "The ID token was issued by another provider.") }
        do { try payload.aud.verifyIntendedAudience(includes: configuration.clientID) } catch {
            throw Refusal(message: "The ID token was issued for another application.")
        }
        // A minute's leeway for clocks that differ.
        guard payload.exp.value > now.addingTimeInterval(-60) else { throw Refusal(message: "The ID token has expired; sign in again.") }
        guard let sent = payload.nonce, SecretText.same(sent, nonce) else { throw Refusal(message: "The ID token does not answer this sign-in (its nonce differs).") }
        let values = Self.claimValues(token, claim: configuration.rolesClaim)
        let roles = configuration.roles(from: values)
        guard !roles.isEmpty else {
            throw Refusal(message: "You are signed in at the identity provider, but your account has no offboard role (claim \(configuration.rolesClaim)). Ask for one.")
        }
        return Identity(person: Self.actor(name: payload.name, account: payload.email ?? payload.preferredUsername, subject: payload.sub.value),
                        subject: "oidc:\(payload.iss.value)|\(payload.sub.value)", roles: roles, next: next)
    }

    /// The actor journaled: the provider's name for the person with their account, `Amy Hart <amy.hart@example.com>`.
    /// The account (set by the organisation, unlike a display name) is who it is: the engine compares people by it,
    /// so two people of one name stay two, and a renamed person cannot approve what they completed.
    static func actor(name: String?, account: String?, subject: String) -> String {
        func clean(_ text: String?, _ limit: Int) -> String {
            String((text ?? "").unicodeScalars.filter { $0.properties.generalCategory != .control && !"<>".unicodeScalars.contains($0) }
                .prefix(limit).map(Character.init)).trimmingCharacters(in: .whitespaces)
        }
        var account = clean(account, 200)
        if account.isEmpty { account = "oidc:" + clean(subject, 200) }
        let name = clean(name, 120)
        // The journal keeps `hook:` for HR systems: a person may not pass for one.
        return name.isEmpty || name.lowercased().hasPrefix("hook:") ? "<\(account)>" : "\(name) <\(account)>"
    }

    private func verified(_ token: String, reloadingKeys: Bool) async throws -> IDToken {
        if reloadingKeys || keys == nil {
            let discovery = try await discovered()
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: discovery.jwksURI), timeout: .seconds(15))
            let body = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else { throw Refusal(message: "The identity provider's keys could not be read (HTTP \(response.status.code)).") }
            keys = try await JWTKeyCollection().add(jwksJSON: String(buffer: body))
        }
        guard let keys else { throw Refusal(message: "The identity provider's keys could not be read.") }
        do {
            return try await keys.verify(token, as: IDToken.self)
        } catch {
            throw Refusal(message: "The ID token's signature does not verify against the identity provider's keys.")
        }
    }

    private func discovered() async throws -> Discovery {
        if let discovery { return discovery }
        let url = configuration.issuer + "/.well-known/openid-configuration"
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(15))
        } catch {
            throw Refusal(message: "The identity provider does not answer at \(configuration.issuer).")
        }
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok, let found = try? JSONDecoder().decode(Discovery.self, from: Data(body.readableBytesView)) else {
            throw Refusal(message: "The identity provider's discovery document could not be read (HTTP \(response.status.code)).")
        }
        guard found.issuer == configuration.issuer else { throw Refusal(message: "The identity provider names itself \(found.issuer), not \(configuration.issuer).") }
        discovery = found
        return found
    }

    /// The values of a claim in a verified token's payload: a list of strings, or one string.
    static func claimValues(_ token: String, claim: String) -> [String] {
        let parts = token.split(separator: ".")
        guard parts.count == 3, let data = base64URLDecode(String(parts[1])),
              case .object(let claims)? = try? JSONDecoder().decode(JSONValue.self, from: data) else { return [] }
        switch claims[claim] {
        case .array(let values)?: return values.compactMap { if case .string(let text) = $0 { text } else { nil } }
        case .string(let text)?: return text.split(separator: " ").map(String.init)
        default: return []
        }
    }

    static func base64URLDecode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }

    /// `application/x-www-form-urlencoded` for the client credentials in Basic authentication (RFC 6749 §2.3.1).
    static func formEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}
