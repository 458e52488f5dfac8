import Foundation
import Playbook

/// Finds a secret's value when a handler executes. Values never reach the journal, a plan, a log
/// line or an error message.
public protocol SecretResolver: Sendable {
    /// The value of `name`, or nil when it is not configured.
    func value(of name: String) -> String?
    /// `text` with every value revealed through this resolver replaced by its `${secret:NAME}`: a handler
    /// calls it before cutting text short (a response snippet), so no fragment of a secret survives the cut.
    func redact(_ text: String) -> String
}

extension SecretResolver {
    public func redact(_ text: String) -> String { text }
}

/// Secrets from environment variables: `${secret:CRM_DB_URL}` reads `OFFBOARD_SECRET_CRM_DB_URL`.
public struct EnvironmentSecretResolver: SecretResolver {
    let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) { self.environment = environment }

    public func value(of name: String) -> String? { environment["OFFBOARD_SECRET_\(name)"] }
}

extension SecretResolver {
    /// The text with every secret filled in; throws a fatal failure naming (never showing) a missing one.
    public func reveal(_ value: Value) throws(HandlerFailure) -> String? {
        switch value {
        case .secret(let text):
            var result = ""
            for part in text.parts {
                switch part {
                case .text(let literal): result += literal
                case .secret(let name):
                    guard let secret = self.value(of: name) else {
                        throw HandlerFailure("secret \(name) is not configured (set OFFBOARD_SECRET_\(name), or put a file \(name) in the secrets directory)",
                                             retryable: false)
                    }
                    result += secret
                }
            }
            return result
        case .null, .bool, .int, .number, .string, .date, .datetime, .duration, .list, .object, .unknown:
            return value.displayText
        }
    }
}
