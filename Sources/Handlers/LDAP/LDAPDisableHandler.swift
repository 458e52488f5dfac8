import Engine
import Playbook

/// `ldap.disable`: disables a leaver's account in an LDAP directory (OpenLDAP, 389-ds, Active Directory), removes its
/// group memberships and can move it to a leavers' OU.
public struct LDAPDisableHandler: StepHandler {
    public init() {}

    public let type = "ldap.disable"
    public let removesAccess = true
    public let summary = "Finds a leaver's entry in an LDAP directory (OpenLDAP, 389-ds, Active Directory), disables the account, removes its group memberships and can move it to a leavers' OU."

    /// The parameters every `ldap.*` step takes to reach its directory.
    static let connectionFields: [ParameterField] = [
        ParameterField("url", .string, required: true, description: "ldap://host:port or ldaps://host:port", acceptsSecrets: true),
        ParameterField("start_tls", .bool, description: "upgrade an ldap:// connection with StartTLS (certificates are always verified)", default: .bool(false)),
        ParameterField("allow_plaintext", .bool, description: "allow an ldap:// URL without start_tls, which sends the bind password unencrypted", default: .bool(false)),
        ParameterField("ca_file", .string, description: "a PEM file of the certificate authorities to trust, instead of the system's", acceptsSecrets: true),
        ParameterField("bind_dn", .string, required: true, description: "the service account's DN", acceptsSecrets: true),
        ParameterField("bind_password", .string, required: true, description: "the service account's password, as ${secret:NAME}", sensitive: true),
        ParameterField("directory", .enumeration(DirectoryFlavour.allCases.map(\.rawValue)),
                       description: "how the directory disables an account: openldap (ppolicy pwdAccountLockedTime), 389ds (nsAccountLock), active-directory (userAccountControl)",
                       default: .string(DirectoryFlavour.openldap.rawValue)),
        ParameterField("timeout", .duration, description: "for connecting and for each operation (default 30s)"),
    ]

    public var parameters: ParameterSchema {
        ParameterSchema(Self.connectionFields + [
            ParameterField("base_dn", .string, required: true, description: "where the leaver's entry is looked for (subtree)"),
            ParameterField("attribute", .string, description: "the attribute the leaver is found by: uid, mail, employeeNumber, sAMAccountName, userPrincipalName…",
                           default: .string("uid")),
            ParameterField("value", .string, required: true, description: "the leaver's value of that attribute (escaped into the filter, never pasted)"),
            ParameterField("groups", .oneOf([.enumeration(["all", "none"]), .list(.string)]),
                           description: "the groups to remove the leaver from: all (under group_base), none, or a list of group DNs", default: .string("all")),
            ParameterField("group_base", .string, description: "where groups are looked for (default: base_dn)"),
            ParameterField("move_to", .string, description: "the DN of an OU to move the disabled entry to (the entry keeps its RDN)"),
            ParameterField("test_password", .string, description: "a password to bind as the leaver with when verifying (expecting 49); without it, the entry is read back",
                           sensitive: true),
        ])
    }

    public func plan(_ request: HandlerPlanRequest) async throws -> ActionPreview {
        let flavour = DirectoryFlavour(rawValue: request.parameters["directory"]?.displayText ?? "openldap") ?? .openldap
        let groups: String = switch request.parameters["groups"] {
        case .list? : "remove it from the groups listed"
        case .string(let text)? where text == "none": "keep its groups"
        default: "remove it from every group under \(request.text(request.parameters["group_base"] == nil ? "base_dn" : "group_base"))"
        }
        let move = request.parameters["move_to"].map { _ in ", and move it to \(request.text("move_to"))" } ?? ""
        var details = ["directory: \(request.text("url"))", "account: disabled by \(flavour.stateAttributes.joined(separator: ", "))"]
        if case .list(let items)? = request.parameters["groups"] { details += items.compactMap(\.displayText).map { "group: \($0)" } }
        if let secrets = request.liveSecrets { details += await inspect(request, secrets: secrets) }
        return ActionPreview("find the LDAP entry with \(request.text("attribute") == "?" ? "uid" : request.text("attribute")) \(request.quoted("value")) under \(request.text("base_dn")), disable it, \(groups)\(move)",
                             details: details)
    }
}
