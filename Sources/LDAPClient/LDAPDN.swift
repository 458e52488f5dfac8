import CLDAP

/// Distinguished names as libldap reads them (RFC 4514), never split by hand: a comma inside an escaped value
/// (`cn=Ryan\, Jordan`) is part of the value.
public enum LDAPDN {
    /// The first RDN and the rest (the parent; empty for a one-RDN DN), in libldap's RFC 4514 form.
    public static func split(_ dn: String) throws(LDAPError) -> (rdn: String, parent: String) {
        guard !dn.utf8.contains(0) else { throw LDAPError(code: LDAP_INVALID_DN_SYNTAX, operation: "read the DN", diagnostic: "it holds a NUL character") }
        var rdn: UnsafeMutablePointer<CChar>?, parent: UnsafeMutablePointer<CChar>?
        let rc = offboard_ldap_split_dn(dn, &rdn, &parent)
        defer {
            if let rdn { ldap_memfree(rdn) }
            if let parent { ldap_memfree(parent) }
        }
        guard rc == LDAP_SUCCESS, let rdn, let parent else { throw LDAPError(code: rc == LDAP_SUCCESS ? LDAP_INVALID_DN_SYNTAX : rc, operation: "read the DN") }
        return (String(cString: rdn), String(cString: parent))
    }

    /// Whether `text` is a DN libldap can read.
    public static func isValid(_ text: String) -> Bool { (try? split(text)) != nil }

    /// The DN in libldap's normal form, for comparing two spellings of one DN (case and spaces in attribute types,
    /// escapes); values keep their case, so compare the result without regard to case where the schema does.
    public static func normalized(_ dn: String) -> String? {
        var out: UnsafeMutablePointer<CChar>?
        guard !dn.utf8.contains(0), ldap_dn_normalize(dn, LDAP_DN_FORMAT_LDAPV3, &out, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS, let out else { return nil }
        defer { ldap_memfree(out) }
        return String(cString: out)
    }
}
