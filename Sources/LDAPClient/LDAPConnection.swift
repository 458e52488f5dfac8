import CLDAP
import Dispatch
import Foundation

/// One connection to an LDAP server through the system's OpenLDAP client library: bind, search (paged), modify,
/// rename. libldap's calls block, so each runs on the connection's own serial queue, never on Swift's cooperative
/// threads; every call is bounded by the connection's timeout. Certificates are always verified (a CA file may be
/// named); a simple bind with an empty password, which servers take as an anonymous bind, is refused before it is sent.
public final class LDAPConnection: @unchecked Sendable {
    // Safe to share: `handle` is touched only on `queue`, which runs one call at a time.
    private let handle: OpaquePointer
    private let queue: DispatchQueue
    private let timeout: TimeInterval
    private var closed = false

    /// Where and how to connect.
    public struct Options: Sendable, Hashable {
        /// `ldap://host:port` or `ldaps://host:port`.
        public var url: String
        /// Upgrade an `ldap://` connection with StartTLS before anything is sent.
        public var startTLS: Bool
        /// A PEM file of the certificate authorities to trust, instead of the system's.
        public var caFile: String?
        /// For connecting and for each operation.
        public var timeout: TimeInterval

        public init(url: String, startTLS: Bool = false, caFile: String? = nil, timeout: TimeInterval = 30) {
            self.url = url
            self.startTLS = startTLS
            self.caFile = caFile
            self.timeout = timeout
        }
    }

    /// How deep a search looks below its base.
    public enum Scope: Sendable {
        case base, oneLevel, subtree

        var code: Int32 {
            switch self {
            case .base: LDAP_SCOPE_BASE
            case .oneLevel: LDAP_SCOPE_ONELEVEL
            case .subtree: LDAP_SCOPE_SUBTREE
            }
        }
    }

    private init(handle: OpaquePointer, queue: DispatchQueue, timeout: TimeInterval) {
        self.handle = handle
        self.queue = queue
        self.timeout = timeout
    }

    deinit { if !closed { ldap_unbind_ext_s(handle, nil, nil) } }

    /// Opens a connection (and, with `startTLS`, upgrades it); nothing is sent before the TLS options are set.
    public static func open(_ options: Options) async throws(LDAPError) -> LDAPConnection {
        let queue = DispatchQueue(label: "offboard.ldap")
        let handle = try await run(on: queue) { () throws(LDAPError) -> Handle in
            guard options.url.hasPrefix("ldap://") || options.url.hasPrefix("ldaps://") else {
                throw LDAPError(code: LDAP_PARAM_ERROR, operation: "connect", diagnostic: "the URL must start with ldap:// or ldaps://")
            }
            var handle: OpaquePointer?
            let rc = ldap_initialize(&handle, options.url)
            guard rc == LDAP_SUCCESS, let handle else { throw LDAPError(code: rc, operation: "connect") }
            do throws(LDAPError) {
                try check(offboard_ldap_set_int(handle, LDAP_OPT_PROTOCOL_VERSION, LDAP_VERSION3), "set the protocol version")
                try check(offboard_ldap_set_off(handle, LDAP_OPT_REFERRALS), "turn referrals off")
                let seconds = Int(options.timeout.rounded(.down)), micro = Int((options.timeout - Double(seconds)) * 1_000_000)
                try check(offboard_ldap_set_timeval(handle, LDAP_OPT_NETWORK_TIMEOUT, seconds, micro), "set the network timeout")
                try check(offboard_ldap_set_timeval(handle, LDAP_OPT_TIMEOUT, seconds, micro), "set the timeout")
                try check(offboard_ldap_set_int(handle, LDAP_OPT_X_TLS_REQUIRE_CERT, LDAP_OPT_X_TLS_DEMAND), "require a verified certificate")
                if let caFile = options.caFile {
                    try check(caFile.withCString { ldap_set_option(handle, LDAP_OPT_X_TLS_CACERTFILE, $0) }, "set the CA file")
                }
                try check(offboard_ldap_set_int(handle, LDAP_OPT_X_TLS_NEWCTX, 0), "set up TLS")
                // Connect now (and, for ldaps://, shake hands), so a TLS failure is told from a server that is down.
                let connected = ldap_connect(handle)
                guard connected == LDAP_SUCCESS else {
                    // libldap says "Can't contact" both when nothing listens and when the handshake fails; a port that
                    // takes TCP tells the second, which may still be transient (a server closing connections).
                    let tls = options.url.hasPrefix("ldaps://") && Self.reachable(options)
                    throw LDAPError(code: connected, operation: "connect", diagnostic: Self.joined(tls ? Self.handshakeUnfinished : nil, diagnostic(handle)))
                }
                if options.startTLS {
                    let rc = ldap_start_tls_s(handle, nil, nil)
                    // The server answered the StartTLS request; a connect error after it is the handshake failing.
                    guard rc == LDAP_SUCCESS else {
                        throw LDAPError(code: rc, operation: "StartTLS", diagnostic: Self.joined(rc == LDAP_CONNECT_ERROR ? Self.handshakeFailed : nil, diagnostic(handle)))
                    }
                }
                return Handle(pointer: handle)
            } catch {
                ldap_unbind_ext_s(handle, nil, nil)
                throw error
            }
        }
        return LDAPConnection(handle: handle.pointer, queue: queue, timeout: options.timeout)
    }

    /// A simple bind. An empty password is refused here: a server would take it as an anonymous bind and say yes.
    public func bind(dn: String, password: String) async throws(LDAPError) {
        guard !password.isEmpty else {
            throw LDAPError(code: LDAP_PARAM_ERROR, operation: "bind", diagnostic: "an empty password would be an anonymous bind")
        }
        try Self.refuseNUL(dn, in: "bind")
        try await perform { handle throws(LDAPError) in
            var bytes = Array(password.utf8)
            let rc = bytes.withUnsafeMutableBufferPointer { buffer -> Int32 in
                var credential = berval(bv_len: ber_len_t(buffer.count), bv_val: UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self))
                return ldap_sasl_bind_s(handle, dn, nil, &credential, nil, nil, nil)
            }
            for index in bytes.indices { bytes[index] = 0 }
            guard rc == LDAP_SUCCESS else { throw LDAPError(code: rc, operation: "bind", diagnostic: Self.diagnostic(handle)) }
        }
    }

    /// The entries `filter` finds under `base`, with the named attributes, a page at a time (RFC 2696; Active
    /// Directory answers at most 1,000 entries to a search without paging).
    public func search(base: String, scope: Scope, filter: LDAPFilter, attributes: [String], pageSize: Int32 = 500) async throws(LDAPError) -> [LDAPEntry] {
        try Self.refuseNUL(base, in: "search")
        for attribute in attributes { try Self.refuseNUL(attribute, in: "search") }
        let timeout = self.timeout
        return try await perform { handle throws(LDAPError) in
            var entries: [LDAPEntry] = []
            var cookie = berval(bv_len: 0, bv_val: nil)
            defer { if cookie.bv_val != nil { ber_memfree(cookie.bv_val) } }
            var pages = 0
            repeat {
                pages += 1
                // A server that hands out cookies for ever is not followed for ever.
                guard pages <= Self.maximumPages else {
                    throw LDAPError(code: LDAP_SIZELIMIT_EXCEEDED, operation: "search", diagnostic: "more than \(Self.maximumPages) pages")
                }
                var page: UnsafeMutablePointer<LDAPControl>?
                try Self.check(ldap_create_page_control(handle, pageSize, &cookie, 0, &page), "build the paging control")
                defer { ldap_control_free(page) }
                var result: OpaquePointer?
                defer { if result != nil { ldap_msgfree(result) } }
                let rc = CStrings.withArray(attributes) { names in
                    var controls: [UnsafeMutablePointer<LDAPControl>?] = [page, nil]
                    return offboard_ldap_search(handle, base, scope.code, filter.text, names, &controls, max(1, Int(timeout.rounded(.up))), &result)
                }
                guard rc == LDAP_SUCCESS else { throw LDAPError(code: rc, operation: "search", diagnostic: Self.diagnostic(handle)) }
                entries += Self.entries(handle, result)
                let next = try Self.nextCookie(handle, result)
                if cookie.bv_val != nil { ber_memfree(cookie.bv_val) }
                cookie = next
            } while cookie.bv_len > 0
            return entries
        }
    }

    public static let handshakeFailed = "the TLS handshake failed: the server's certificate did not verify, or no TLS version and cipher were agreed"
    public static let handshakeUnfinished = "the server took the connection but the TLS handshake did not complete: its certificate did not verify, or it closed the connection"

    /// Our account and libldap's own message (when it has one beyond "unknown error"), together.
    private static func joined(_ ours: String?, _ library: String?) -> String? {
        let theirs = library.flatMap { $0.isEmpty || $0.contains("unknown error") ? nil : $0 }
        return [ours, theirs].compactMap { $0 }.joined(separator: "; ").nilIfEmpty
    }

    /// Whether the URL's host and port take a TCP connection (within the timeout).
    private static func reachable(_ options: Options) -> Bool {
        let rest = options.url.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init) ?? ""
        var host = rest, port = options.url.hasPrefix("ldaps://") ? "636" : "389"
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            host = String(rest[..<colon])
            port = String(rest[rest.index(after: colon)...])
        }
        host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return offboard_tcp_reachable(host, port, Int32(max(1, min(options.timeout, 10)) * 1000)) == 1
    }

    /// The most pages one search follows.
    static let maximumPages = 10_000

    /// One entry by its DN, or nil when it does not exist.
    public func read(_ dn: String, attributes: [String]) async throws(LDAPError) -> LDAPEntry? {
        do {
            return try await search(base: dn, scope: .base, filter: LDAPFilter.present("objectClass")!, attributes: attributes).first
        } catch where error.isNoSuchObject {
            return nil
        }
    }

    /// Applies the changes to the entry, all or none (one LDAP modify).
    public func modify(_ dn: String, _ changes: [LDAPChange]) async throws(LDAPError) {
        try Self.refuseNUL(dn, in: "modify")
        for change in changes { try Self.refuseNUL(change.attribute, in: "modify") }
        try await perform { handle throws(LDAPError) in
            let rc = LDAPChange.withMods(changes) { ldap_modify_ext_s(handle, dn, $0, nil, nil) }
            guard rc == LDAP_SUCCESS else { throw LDAPError(code: rc, operation: "modify", diagnostic: Self.diagnostic(handle)) }
        }
    }

    /// Adds an entry with these attributes (each a list of values).
    public func add(_ dn: String, _ attributes: [(String, [String])]) async throws(LDAPError) {
        try Self.refuseNUL(dn, in: "add")
        for (name, _) in attributes { try Self.refuseNUL(name, in: "add") }
        try await perform { handle throws(LDAPError) in
            let rc = LDAPChange.withMods(attributes.map { LDAPChange(.add, $0.0, $0.1) }) { ldap_add_ext_s(handle, dn, $0, nil, nil) }
            guard rc == LDAP_SUCCESS else { throw LDAPError(code: rc, operation: "add", diagnostic: Self.diagnostic(handle)) }
        }
    }

    /// Deletes the entry (a leaf).
    public func delete(_ dn: String) async throws(LDAPError) {
        try Self.refuseNUL(dn, in: "delete")
        try await perform { handle throws(LDAPError) in
            let rc = ldap_delete_ext_s(handle, dn, nil, nil)
            guard rc == LDAP_SUCCESS else { throw LDAPError(code: rc, operation: "delete", diagnostic: Self.diagnostic(handle)) }
        }
    }

    /// Moves the entry under `parent`, keeping its RDN; returns its new DN.
    public func move(_ dn: String, under parent: String) async throws(LDAPError) -> String {
        try Self.refuseNUL(dn, in: "move")
        try Self.refuseNUL(parent, in: "move")
        return try await perform { handle throws(LDAPError) in
            let (rdn, _) = try LDAPDN.split(dn)
            let rc = ldap_rename_s(handle, dn, rdn, parent, 1, nil, nil)
            guard rc == LDAP_SUCCESS else { throw LDAPError(code: rc, operation: "move", diagnostic: Self.diagnostic(handle)) }
            return "\(rdn),\(parent)"
        }
    }

    /// Unbinds and closes the connection (also done when it is released).
    public func close() async {
        try? await perform { handle in
            if !self.closed {
                self.closed = true
                ldap_unbind_ext_s(handle, nil, nil)
            }
        }
    }

    private func perform<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws(LDAPError) -> T) async throws(LDAPError) -> T {
        try await Self.run(on: queue) { () throws(LDAPError) -> T in
            guard !self.closed else { throw LDAPError(code: LDAP_SERVER_DOWN, operation: "use", diagnostic: "the connection is closed") }
            return try body(self.handle)
        }
    }

    /// libldap's handle, carried to the connection's queue (which alone touches it).
    private struct Handle: @unchecked Sendable { let pointer: OpaquePointer }

    private static func run<T: Sendable>(on queue: DispatchQueue, _ body: @escaping @Sendable () throws(LDAPError) -> T) async throws(LDAPError) -> T {
        let result: Result<T, LDAPError> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(LDAPError) { continuation.resume(returning: .success(try body())) } catch { continuation.resume(returning: .failure(error)) }
            }
        }
        return try result.get()
    }

    /// A name with a NUL would reach libldap cut short at it (naming another entry): refused instead.
    private static func refuseNUL(_ text: String, in operation: String) throws(LDAPError) {
        guard !text.utf8.contains(0) else { throw LDAPError(code: LDAP_PARAM_ERROR, operation: operation, diagnostic: "a name holds a NUL character") }
    }

    private static func check(_ rc: Int32, _ what: String) throws(LDAPError) {
        guard rc == LDAP_OPT_SUCCESS else { throw LDAPError(code: rc, operation: what) }
    }

    /// The server's diagnostic message for the last operation, if it sent one.
    private static func diagnostic(_ handle: OpaquePointer) -> String? {
        var message: UnsafeMutablePointer<CChar>?
        guard ldap_get_option(handle, LDAP_OPT_DIAGNOSTIC_MESSAGE, &message) == LDAP_OPT_SUCCESS, let message else { return nil }
        defer { ldap_memfree(message) }
        return String(cString: message)
    }

    private static func entries(_ handle: OpaquePointer, _ result: OpaquePointer?) -> [LDAPEntry] {
        var entries: [LDAPEntry] = []
        var entry = ldap_first_entry(handle, result)
        while let current = entry {
            var dn = ""
            if let text = ldap_get_dn(handle, current) {
                dn = String(cString: text)
                ldap_memfree(text)
            }
            var attributes: [String: [String]] = [:]
            var ber: OpaquePointer?
            var name = ldap_first_attribute(handle, current, &ber)
            while let attribute = name {
                var values: [String] = []
                if let list = ldap_get_values_len(handle, current, attribute) {
                    var index = 0
                    while let value = list[index] {
                        values.append(String(decoding: UnsafeRawBufferPointer(start: value.pointee.bv_val, count: Int(value.pointee.bv_len)), as: UTF8.self))
                        index += 1
                    }
                    ldap_value_free_len(list)
                }
                attributes[String(cString: attribute).lowercased(), default: []] += values
                ldap_memfree(attribute)
                name = ldap_next_attribute(handle, current, ber)
            }
            if let ber { ber_free(ber, 0) }
            entries.append(LDAPEntry(dn: dn, attributes: attributes))
            entry = ldap_next_entry(handle, current)
        }
        return entries
    }

    /// The cookie of the next page from a search's paging response control; empty when this was the last page (or the
    /// server does not page).
    private static func nextCookie(_ handle: OpaquePointer, _ result: OpaquePointer?) throws(LDAPError) -> berval {
        var code: Int32 = 0
        var controls: UnsafeMutablePointer<UnsafeMutablePointer<LDAPControl>?>?
        try check(ldap_parse_result(handle, result, &code, nil, nil, nil, &controls, 0), "read the search result")
        defer { if controls != nil { ldap_controls_free(controls) } }
        guard code == LDAP_SUCCESS else { throw LDAPError(code: code, operation: "search", diagnostic: diagnostic(handle)) }
        var cookie = berval(bv_len: 0, bv_val: nil)
        guard let controls, let control = ldap_control_find("1.2.840.113556.1.4.319", controls, nil) else { return cookie }
        var count: ber_int_t = 0
        try check(ldap_parse_pageresponse_control(handle, control, &count, &cookie), "read the paging control")
        return cookie
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
