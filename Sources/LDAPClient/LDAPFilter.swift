/// An LDAP search filter (RFC 4515) built from parts, never by pasting text from outside into filter syntax: every
/// value is escaped octet by octet, and an attribute name must be a name or an OID. A leaver's id of `*)(uid=*`
/// becomes `\2a\29\28uid=\2a`: a value to match, not a filter.
public struct LDAPFilter: Sendable, Hashable, CustomStringConvertible {
    /// The filter as the server receives it.
    public let text: String

    private init(text: String) { self.text = text }

    public var description: String { text }

    /// `(attribute=value)`, with the value escaped; nil when `attribute` is no attribute description.
    public static func equality(_ attribute: String, _ value: String) -> LDAPFilter? {
        guard isAttributeDescription(attribute) else { return nil }
        return LDAPFilter(text: "(\(attribute)=\(escape(value)))")
    }

    /// `(attribute=*)`: the attribute is present.
    public static func present(_ attribute: String) -> LDAPFilter? {
        guard isAttributeDescription(attribute) else { return nil }
        return LDAPFilter(text: "(\(attribute)=*)")
    }

    /// `(&…)` of the parts.
    public static func and(_ parts: [LDAPFilter]) -> LDAPFilter {
        parts.count == 1 ? parts[0] : LDAPFilter(text: "(&" + parts.map(\.text).joined() + ")")
    }

    /// `(|…)` of the parts.
    public static func or(_ parts: [LDAPFilter]) -> LDAPFilter {
        parts.count == 1 ? parts[0] : LDAPFilter(text: "(|" + parts.map(\.text).joined() + ")")
    }

    /// A value as RFC 4515's `assertionvalue`: `*`, `(`, `)`, `\` and NUL escaped as `\XX` (the RFC's must), and so is
    /// every octet outside printable ASCII (the RFC's may), so no control character or stray UTF-8 reaches the server
    /// unescaped.
    public static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "*"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\\"), 0..<0x20, 0x7F...0xFF:
                out += "\\" + hex(byte)
            default:
                out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return out
    }

    /// An attribute description a filter may name: a name (`uid`, `sAMAccountName`, `employeeNumber`) or an OID,
    /// optionally with options (`;binary`); never anything that could close the filter.
    public static func isAttributeDescription(_ text: String) -> Bool {
        let parts = text.split(separator: ";", omittingEmptySubsequences: false)
        guard let type = parts.first, !type.isEmpty, text.utf8.count <= 128 else { return false }
        let isName = type.first!.isASCII && type.first!.isLetter && type.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        let isOID = type.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
        let optionsOK = parts.dropFirst().allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") } }
        return (isName || isOID) && optionsOK
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
