/// An entry as a search returned it: its DN and the attributes asked for (names compared without regard to case,
/// as LDAP compares them).
public struct LDAPEntry: Sendable, Hashable {
    public let dn: String
    /// By attribute name, lowercased.
    public let attributes: [String: [String]]

    public init(dn: String, attributes: [String: [String]]) {
        self.dn = dn
        self.attributes = Dictionary(attributes.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: +)
    }

    /// The attribute's values (none when the entry has no such attribute).
    public func values(_ name: String) -> [String] { attributes[name.lowercased()] ?? [] }

    /// The attribute's first value.
    public func value(_ name: String) -> String? { values(name).first }
}
