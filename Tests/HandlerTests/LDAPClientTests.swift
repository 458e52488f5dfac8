import Foundation
import LDAPClient
import TestServerSupport
import Testing

/// The LDAP client against the real slapd the test command starts: filters that stay values, binds that fail as a
/// server fails them, certificates verified, paged searches, and changes that are all or nothing.
@Suite struct LDAPClientTests {
    @Test func aValueNeverBecomesFilterSyntax() {
        #expect(LDAPFilter.escape("*)(uid=*") == #"\2a\29\28uid=\2a"#)
        #expect(LDAPFilter.escape(#"a\b"#) == #"a\5cb"#)
        #expect(LDAPFilter.escape("nul\u{0}here") == #"nul\00here"#)
        #expect(LDAPFilter.escape("Zoë\n") == #"Zo\c3\ab\0a"#, "outside printable ASCII, every octet is escaped")
        #expect(LDAPFilter.escape("j.ryan@example.com, #+;<>=") == "j.ryan@example.com, #+;<>=", "DN metacharacters mean nothing in a filter")
        #expect(LDAPFilter.equality("uid", "*")?.text == #"(uid=\2a)"#)
        #expect(LDAPFilter.equality("uid)(objectClass=*", "x") == nil, "an attribute name is a name or an OID")
        #expect(LDAPFilter.equality("1.2.840.113556.1.4.8", "x") != nil)
        #expect(LDAPFilter.equality("userCertificate;binary", "x") != nil)
        for bad in ["", "9uid", "u id", "uid;", "1..2", "uid=", "cn*"] { #expect(!LDAPFilter.isAttributeDescription(bad), "\(bad)") }
    }

    @Test func aDNIsSplitAsLDAPReadsIt() throws {
        let split = try LDAPDN.split(#"cn=Ryan\, Jordan+uid=jr,ou=people,dc=offboard,dc=test"#)
        #expect(split.rdn == #"cn=Ryan\2C Jordan+uid=jr"#, "the comma stays in the value (libldap writes it as \\2C)")
        #expect(split.parent == "ou=people,dc=offboard,dc=test")
        #expect(try LDAPDN.split("dc=test").parent == "")
        #expect(!LDAPDN.isValid("not a dn"))
        #expect(!LDAPDN.isValid("uid=a\u{0},dc=test"), "a NUL would cut the DN short")
    }

    @Test func bindsAndTLSFailAsTheServerFailsThem() async throws {
        let ldap = try TestLDAP.fromEnvironment()
        // StartTLS and LDAPS with the CA that signed the server's certificate.
        let upgraded = try await LDAPConnection.open(.init(url: ldap.url, startTLS: true, caFile: ldap.caFile))
        try await upgraded.bind(dn: ldap.serviceDN, password: ldap.servicePassword)
        let direct = try await LDAPConnection.open(.init(url: ldap.ldapsURL, caFile: ldap.caFile))
        try await direct.bind(dn: ldap.serviceDN, password: ldap.servicePassword)
        // A wrong password is 49; an empty one never reaches the server (it would bind anonymously).
        let plain = try await LDAPConnection.open(.init(url: ldap.url))
        await #expect(throws: LDAPError.self) { try await plain.bind(dn: ldap.serviceDN, password: "wrong") }
        do {
            try await plain.bind(dn: ldap.serviceDN, password: "wrong")
        } catch {
            #expect(error.isInvalidCredentials && !error.isTransient, "\(error)")
        }
        do {
            try await plain.bind(dn: ldap.serviceDN, password: "")
            Issue.record("an empty password was sent")
        } catch {
            #expect(error.diagnostic?.contains("anonymous") == true, "\(error)")
        }
        // Trusting another CA: the certificate does not verify, on LDAPS and on StartTLS alike.
        do {
            let mismatched = try await LDAPConnection.open(.init(url: ldap.ldapsURL, caFile: ldap.otherCAFile))
            try await mismatched.bind(dn: ldap.serviceDN, password: ldap.servicePassword)
            Issue.record("LDAPS accepted a certificate no trusted CA signed")
        } catch {
            // Over LDAPS the handshake's failure cannot be told from a server closing connections: transient, and said.
            #expect(error.diagnostic?.hasPrefix(LDAPConnection.handshakeUnfinished) == true, "\(error)")
        }
        do {
            _ = try await LDAPConnection.open(.init(url: ldap.url, startTLS: true, caFile: ldap.otherCAFile))
            Issue.record("StartTLS accepted a certificate no trusted CA signed")
        } catch {
            #expect(error.isCertificateFailure && !error.isTransient, "after StartTLS, a certificate that does not verify is no reason to retry: \(error)")
        }
        // An ldaps:// port where nothing listens is a server that is down: transient, and no talk of certificates.
        do {
            let closed = try await LDAPConnection.open(.init(url: "ldaps://127.0.0.1:1", caFile: ldap.caFile, timeout: 3))
            try await closed.bind(dn: ldap.serviceDN, password: "x")
            Issue.record("bound to nothing")
        } catch {
            #expect(error.isTransient && !(error.diagnostic ?? "").contains("TLS"), "\(error)")
        }
        // Nothing listens: transient, and bounded by the timeout.
        let started = Date()
        do {
            let nowhere = try await LDAPConnection.open(.init(url: "ldap://127.0.0.1:1", timeout: 3))
            try await nowhere.bind(dn: ldap.serviceDN, password: "x")
            Issue.record("bound to nothing")
        } catch {
            #expect(error.isTransient && !error.isCertificateFailure, "\(error)")
        }
        #expect(Date().timeIntervalSince(started) < 10)
        await upgraded.close()
        await direct.close()
    }

    @Test func searchesPageAndChangesAreAllOrNothing() async throws {
        let ldap = try TestLDAP.fromEnvironment()
        let admin = try await LDAPConnection.open(.init(url: ldap.url))
        try await admin.bind(dn: ldap.adminDN, password: ldap.adminPassword)
        let tag = String(UUID().uuidString.prefix(8)).lowercased()
        let person = "uid=client-\(tag),\(ldap.people)"
        try await admin.add(person, [("objectClass", ["inetOrgPerson"]), ("uid", ["client-\(tag)"]), ("cn", ["Client \(tag)"]), ("sn", ["Test"]),
                                     ("userPassword", ["person-pw"])])
        // 25 groups of this person, found 10 to a page.
        for index in 0..<25 {
            try await admin.add("cn=client-\(tag)-\(index),\(ldap.groups)", [("objectClass", ["groupOfNames"]), ("cn", ["client-\(tag)-\(index)"]),
                                                                             ("member", [person])])
        }
        let groups = try await admin.search(base: ldap.groups, scope: .oneLevel, filter: LDAPFilter.equality("member", person)!, attributes: ["cn"], pageSize: 10)
        #expect(groups.count == 25 && Set(groups.map(\.dn)).count == 25, "\(groups.count)")
        // A filter built from a hostile value matches nothing it should not.
        let hostile = try await admin.search(base: ldap.people, scope: .subtree, filter: LDAPFilter.equality("uid", "*)(uid=*")!, attributes: ["uid"])
        #expect(hostile.isEmpty)
        let wildcard = try await admin.search(base: ldap.people, scope: .subtree, filter: LDAPFilter.equality("uid", "client-\(tag)")!, attributes: ["uid", "cn"])
        #expect(wildcard.map(\.dn) == [person] && wildcard.first?.value("CN") == "Client \(tag)", "names are compared without regard to case")
        // One modify is all or nothing: a change that fails (a second value of a single-valued attribute) undoes the one before it.
        await #expect(throws: LDAPError.self) {
            try await admin.modify(person, [LDAPChange(.replace, "description", ["changed"]), LDAPChange(.add, "preferredLanguage", ["en", "fr"])])
        }
        #expect(try await admin.read(person, attributes: ["description"])?.values("description") == [])
        #expect(try await admin.read("uid=nobody-\(tag),\(ldap.people)", attributes: ["uid"]) == nil)
        // Moved under another parent, the entry keeps its RDN.
        let moved = try await admin.move(person, under: ldap.leavers)
        #expect(moved == "uid=client-\(tag),\(ldap.leavers)")
        #expect(try await admin.read(moved, attributes: ["uid"]) != nil)
        await admin.close()
    }
}
