import Engine
import Foundation
import LDAPClient
import Playbook

/// The directory an `ldap.*` step talks to, read from its parameters: where (URL, StartTLS, CA file), as whom (bind
/// DN and password, revealed from secrets), which flavour, and how the leaver's entry is found (an attribute and a
/// value under a base). Errors name the parameter, never its value.
struct LDAPTarget: Sendable {
    let options: LDAPConnection.Options
    let bindDN: String
    let bindPassword: String
    let flavour: DirectoryFlavour
    /// The directory by its host and port (no credentials), for the evidence and messages.
    let system: String
    let secrets: any SecretResolver

    init(_ context: ExecutionContext) throws(HandlerFailure) {
        let parameters = context.parameters
        guard let url = try parameters["url"].flatMap({ value throws(HandlerFailure) in try context.secrets.reveal(value) }), !url.isEmpty else {
            throw HandlerFailure("url is missing", retryable: false)
        }
        guard url.hasPrefix("ldap://") || url.hasPrefix("ldaps://") else { throw HandlerFailure("url must start with ldap:// or ldaps://", retryable: false) }
        let startTLS = parameters["start_tls"].flatMap { if case .bool(let flag) = $0 { flag } else { nil } } ?? false
        if startTLS && url.hasPrefix("ldaps://") { throw HandlerFailure("start_tls is for an ldap:// URL; an ldaps:// one is TLS already", retryable: false) }
        let allowPlaintext = parameters["allow_plaintext"].flatMap { if case .bool(let flag) = $0 { flag } else { nil } } ?? false
        if url.hasPrefix("ldap://") && !startTLS && !allowPlaintext {
            throw HandlerFailure("an ldap:// URL without start_tls would send bind_password unencrypted: set start_tls: true, use ldaps://, or say allow_plaintext: true",
                                 retryable: false)
        }
        guard let bindDN = try parameters["bind_dn"].flatMap({ value throws(HandlerFailure) in try context.secrets.reveal(value) }), !bindDN.isEmpty else {
            throw HandlerFailure("bind_dn is missing", retryable: false)
        }
        guard let password = try parameters["bind_password"].flatMap({ value throws(HandlerFailure) in try context.secrets.reveal(value) }), !password.isEmpty else {
            throw HandlerFailure("bind_password is missing or empty (an empty password would be an anonymous bind)", retryable: false)
        }
        let flavourName = parameters["directory"]?.displayText ?? DirectoryFlavour.openldap.rawValue
        guard let flavour = DirectoryFlavour(rawValue: flavourName) else {
            throw HandlerFailure("directory must be one of \(DirectoryFlavour.allCases.map(\.rawValue).joined(separator: ", "))", retryable: false)
        }
        let timeout: TimeInterval = if case .duration(let duration)? = parameters["timeout"] { TimeInterval(duration.seconds) } else { 30 }
        let caFile = try parameters["ca_file"].flatMap { value throws(HandlerFailure) in try context.secrets.reveal(value) }
        options = LDAPConnection.Options(url: url, startTLS: startTLS, caFile: caFile, timeout: timeout)
        self.bindDN = bindDN
        bindPassword = password
        self.flavour = flavour
        system = Self.hostLabel(of: url)
        secrets = context.secrets
    }

    /// `ldap://host:port` → `LDAP host:port`, `ldaps://…` → `LDAPS host:port`: the directory by its host and port and how
    /// it is reached, never credentials. (Not the bare `host:port`: as the tail of a URL kept secret, the scrubber would
    /// take it for a cut fragment of the secret.)
    static func hostLabel(of url: String) -> String {
        let tls = url.hasPrefix("ldaps://")
        let rest = url.dropFirst(tls ? "ldaps://".count : "ldap://".count)
        let hostPort = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        // Anything before an @ would be credentials; an LDAP URL names none, but never show them.
        let host = hostPort.split(separator: "@").last.map(String.init) ?? hostPort
        return host.isEmpty ? "the configured directory" : "\(tls ? "LDAPS" : "LDAP") \(host)"
    }

    /// A fresh connection, bound as the service account.
    func connect() async throws(HandlerFailure) -> LDAPConnection {
        do throws(LDAPError) {
            let connection = try await LDAPConnection.open(options)
            try await connection.bind(dn: bindDN, password: bindPassword)
            return connection
        } catch {
            throw failure(error, doing: "connect and bind as the service account")
        }
    }

    /// An LDAP error as the step's failure: transient ones retried, refusals not; the server's diagnostic scrubbed of
    /// anything the attempt revealed.
    func failure(_ error: LDAPError, doing what: String) -> HandlerFailure {
        let said = secrets.redact(error.description)
        let hint = error.isInvalidCredentials ? " (check bind_dn and bind_password)"
            : error.isCertificateFailure || error.diagnostic?.hasPrefix(LDAPConnection.handshakeUnfinished) == true
            ? (options.caFile == nil ? " (check the server's certificate)" : " (check ca_file: it must name the CA that signed the server's certificate)") : ""
        return HandlerFailure("\(system): could not \(what): \(said)\(hint)", retryable: error.isTransient)
    }

    /// How the leaver's entry is named: `(attribute=value)`, the value escaped (RFC 4515), with the base(s) to look in.
    struct Lookup: Sendable {
        let attribute: String
        let value: String
        let bases: [String]

        init(_ parameters: [String: Value]) throws(HandlerFailure) {
            attribute = parameters["attribute"]?.displayText ?? "uid"
            guard LDAPFilter.isAttributeDescription(attribute) else {
                throw HandlerFailure("attribute must be an attribute name (such as uid, mail, employeeNumber, sAMAccountName)", retryable: false)
            }
            guard let value = parameters["value"]?.displayText, !value.isEmpty else { throw HandlerFailure("value is missing", retryable: false) }
            self.value = value
            guard let base = parameters["base_dn"]?.displayText, LDAPDN.isValid(base) else {
                throw HandlerFailure("base_dn must be a DN (such as ou=people,dc=example,dc=com)", retryable: false)
            }
            // An entry moved to the leavers' OU by an earlier attempt is found there too.
            let moveTo = parameters["move_to"]?.displayText
            bases = [base] + (moveTo.map { [$0] } ?? [])
        }

        var filter: LDAPFilter { LDAPFilter.equality(attribute, value)! }

        /// `uid "jryan"`, for messages; the value as terminal-safe text.
        var description: String { "\(attribute) \"\(SafeText.terminal(value))\"" }
    }
}
