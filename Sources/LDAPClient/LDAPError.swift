import CLDAP
import Foundation

/// A result code from the server or the client library, with the library's text for it and the server's diagnostic
/// message when it sent one (Active Directory's `AcceptSecurityContext error, data 533` says why a bind failed).
public struct LDAPError: Error, Sendable, Hashable, CustomStringConvertible {
    public let code: Int32
    /// The operation that failed ("bind", "search", "modify", "StartTLS"…).
    public let operation: String
    public let diagnostic: String?

    public init(code: Int32, operation: String, diagnostic: String? = nil) {
        self.code = code
        self.operation = operation
        self.diagnostic = diagnostic.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The library's name for the code ("Invalid credentials").
    public var text: String { String(cString: ldap_err2string(code)) }

    public var description: String {
        "\(operation): \(text) (\(code))" + (diagnostic.map { ": \($0)" } ?? "")
    }

    /// The server could not be reached, or answered too late, or said it is busy: worth trying again later. A refusal
    /// (wrong credentials, no right to change an entry, a bad DN) is not, nor is a certificate that did not verify.
    public var isTransient: Bool {
        [LDAP_SERVER_DOWN, LDAP_TIMEOUT, LDAP_CONNECT_ERROR, LDAP_BUSY, LDAP_UNAVAILABLE, LDAP_TIMELIMIT_EXCEEDED].contains(code) && !isCertificateFailure
    }

    /// TLS was refused after StartTLS, because the server's certificate did not verify (or no version was agreed):
    /// retrying cannot help. (Over ldaps://, a handshake that did not complete may be a server closing connections, and
    /// stays transient; its message says to check the certificate.)
    public var isCertificateFailure: Bool {
        guard let diagnostic else { return false }
        return diagnostic.hasPrefix("the TLS handshake failed") || diagnostic.localizedCaseInsensitiveContains("TLS: peer")
    }

    /// 49: the credentials were refused (a wrong password, or an account that is locked or disabled).
    public var isInvalidCredentials: Bool { code == LDAP_INVALID_CREDENTIALS }
    /// 32: the entry named does not exist.
    public var isNoSuchObject: Bool { code == LDAP_NO_SUCH_OBJECT }
    /// 50: the bound account may not do this.
    public var isInsufficientAccess: Bool { code == LDAP_INSUFFICIENT_ACCESS }
}
