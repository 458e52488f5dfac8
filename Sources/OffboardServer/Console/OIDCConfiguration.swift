import Foundation
import OffboardRuntime

/// How the console signs people in with the organisation's identity provider (OpenID Connect, authorization code
/// flow with PKCE), and how the provider's claims become offboard roles.
public struct OIDCConfiguration: Sendable {
    /// The issuer, exactly as the provider's ID tokens name it; discovery is at `ISSUER/.well-known/openid-configuration`.
    public var issuer: String
    public var clientID: String
    /// The client secret (from the secret store); nil for a public client.
    public var clientSecret: String?
    /// The claim that lists the person's groups or roles (`groups`, `roles`).
    public var rolesClaim: String
    /// Group → offboard roles (`offboard-facilities` → `task:facilities`), as the operator wrote them: a group the
    /// map does not name gives nothing (a group that happens to be called `operator` gives no power).
    public var roleMap: [String: [String]]
    public var scopes = "openid profile email"

    public init(issuer: String, clientID: String, clientSecret: String?, rolesClaim: String = "groups", roleMap: [String: [String]] = [:]) {
        self.issuer = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.rolesClaim = rolesClaim
        self.roleMap = roleMap
    }

    /// Reads `GROUP=ROLE` mappings (`--oidc-role offboard-hr=hr`); the problem with the first that does not read.
    public static func roleMap(_ entries: [String]) -> Result<[String: [String]], OIDCConfigurationError> {
        var map: [String: [String]] = [:]
        for entry in entries {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, APIRole(parts[1]) != nil else {
                return .failure(OIDCConfigurationError(message: "--oidc-role takes GROUP=ROLE with ROLE one of \(APIRole.names.joined(separator: ", ")), not '\(entry)'"))
            }
            map[parts[0], default: []].append(parts[1])
        }
        return .success(map)
    }

    /// The offboard roles a claim's values give (unknown groups give none).
    func roles(from values: [String]) -> [String] {
        var roles: [String] = []
        for value in values {
            for role in roleMap[value] ?? [] where !roles.contains(role) { roles.append(role) }
        }
        return roles
    }

    /// An issuer offboard may trust: https, or http on this machine only (a test provider). Over plain HTTP on a
    /// network anyone between could hand out their own keys and sign ID tokens.
    public static func acceptableIssuer(_ text: String) -> Bool {
        guard let url = URL(string: text), let host = url.host, !host.isEmpty else { return false }
        if url.scheme == "https" { return true }
        return url.scheme == "http" && (["localhost", "::1", "[::1]"].contains(host) || host.hasPrefix("127."))
    }
}

/// A configuration of the identity provider that cannot work.
public struct OIDCConfigurationError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
