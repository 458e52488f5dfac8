import Crypto
import Engine
import Playbook
import Foundation
import ServiceStores

/// What a token may do. `hr` starts, plans, cancels, reschedules and imports; `operator` does everything
/// operational; `task:<assignee>` sees and acts on only that assignee's tasks; `auditor` reads evidence and
/// history and verifies; `admin` manages tokens.
public enum APIRole: Sendable, Hashable, CustomStringConvertible {
    case hr
    case `operator`
    case task(assignee: String)
    case auditor
    case admin

    /// The roles a token can have, as `token create --role` takes them.
    public static let names = ["hr", "operator", "task:<assignee>", "auditor", "admin"]

    public init?(_ text: String) {
        switch text {
        case "hr": self = .hr
        case "operator": self = .operator
        case "auditor": self = .auditor
        case "admin": self = .admin
        default:
            guard text.hasPrefix("task:"), case let assignee = String(text.dropFirst(5)),
                  !assignee.isEmpty, assignee.count <= 200, !assignee.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else { return nil }
            self = .task(assignee: assignee)
        }
    }

    public var description: String {
        switch self {
        case .hr: "hr"
        case .operator: "operator"
        case .task(let assignee): "task:\(assignee)"
        case .auditor: "auditor"
        case .admin: "admin"
        }
    }
}

/// The kinds of role a route admits (`task` stands for every `task:<assignee>` role; such a caller then sees
/// and acts on only its assignee's tasks).
public enum RoleKind: String, Sendable, CaseIterable, Hashable {
    case hr, `operator`, task, auditor, admin

    public init(_ role: APIRole) {
        switch role {
        case .hr: self = .hr
        case .operator: self = .operator
        case .task: self = .task
        case .auditor: self = .auditor
        case .admin: self = .admin
        }
    }
}

/// Makes API tokens and checks them: a token is shown once, and only its SHA-256 is stored.
public struct TokenIssuer: Sendable {
    public let store: any APITokenStore

    public init(store: any APITokenStore) { self.store = store }

    /// Why a token could not be made. The words never repeat the name asked for: the caller knows it, and an answer
    /// over HTTP never echoes a value.
    public enum Refusal: Error, Sendable, CustomStringConvertible {
        case badName(String)
        case reservedName(String)
        case nameTaken(String)

        public var description: String {
            switch self {
            case .badName: "a token name is 1–64 letters, digits, '.', '-', '_' or ':'"
            case .nameTaken: "a token with that name exists (names are never reused, even once revoked)"
            case .reservedName: "a token name may not start with hook:, which the journal keeps for HR systems"
            }
        }
    }

    /// Creates a token; returns the secret, to be shown once.
    public func create(name: String, role: APIRole, by: String, at: Date) async throws -> String {
        guard (1...64).contains(name.count), name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".-_:".unicodeScalars.contains($0)) })
        else { throw Refusal.badName(name) }
        // The journal names HR systems `hook:<source>`: a token may not pass for one.
        if name.lowercased().hasPrefix("hook:") { throw Refusal.reservedName(name) }
        let secret = "obt_" + SecretText.random()
        guard try await store.createToken(APIToken(name: name, role: role.description, createdBy: by, createdAt: at), sha256: SecretText.sha256(secret))
        else { throw Refusal.nameTaken(name) }
        return secret
    }

    /// The unrevoked token `secret` is, with its role; nil for anything else.
    public func authenticate(_ secret: String) async throws -> (token: APIToken, role: APIRole)? {
        guard secret.hasPrefix("obt_"), secret.count < 200, let token = try await store.token(sha256: SecretText.sha256(secret)),
              let role = APIRole(token.role) else { return nil }
        return (token, role)
    }

}
