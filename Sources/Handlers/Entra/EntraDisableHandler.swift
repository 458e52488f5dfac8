import Engine
import Foundation
import Playbook

/// `entra.disable`: disables a leaver's Microsoft Entra ID account through Microsoft Graph, revokes its sign-in
/// sessions and removes its group memberships; a dynamic group, or one synchronised from on-premises, is reported as
/// not removable, never as removed.
public struct EntraDisableHandler: StepHandler {
    public init() {}

    public let type = "entra.disable"
    public let removesAccess = true
    public let summary = "Disables a Microsoft Entra ID user through Microsoft Graph (accountEnabled false), revokes its sign-in sessions and removes its group memberships."

    public var parameters: ParameterSchema {
        ParameterSchema([
            ParameterField("tenant_id", .string, required: true, description: "the directory (tenant) id or domain", acceptsSecrets: true),
            ParameterField("client_id", .string, required: true, description: "the app registration's application (client) id", acceptsSecrets: true),
            ParameterField("client_secret", .string, required: true, description: "the app's client secret, as ${secret:NAME}", sensitive: true),
            ParameterField("user", .string, description: "the user's object id or userPrincipalName"),
            ParameterField("employee_id", .string, description: "the user's employeeId (found with $filter)"),
            ParameterField("groups", .oneOf([.enumeration(["all", "none"]), .list(.string)]),
                           description: "the groups to remove the user from: all (default), none, or a list of group object ids", default: .string("all")),
            ParameterField("revoke_sessions", .bool, description: "revoke the user's sign-in sessions (refresh tokens)", default: .bool(true)),
            ParameterField("graph_url", .string, description: "Microsoft Graph's v1.0 endpoint (default https://graph.microsoft.com/v1.0; a national cloud's otherwise)"),
            ParameterField("login_url", .string, description: "the identity platform's endpoint (default https://login.microsoftonline.com)"),
            ParameterField("allow_plaintext", .bool, description: "allow http:// for graph_url and login_url (a test server): the secret travels unencrypted",
                           default: .bool(false)),
            ParameterField("timeout", .duration, description: "per-request timeout (default 30s)"),
        ], exactlyOneOf: [["user", "employee_id"]])
    }

    public func plan(_ request: HandlerPlanRequest) async throws -> ActionPreview {
        let who = request.parameters["user"] != nil ? "user \(request.quoted("user"))" : "user with employeeId \(request.quoted("employee_id"))"
        let groups: String = switch request.parameters["groups"] {
        case .list?: "remove it from the groups listed"
        case .string(let text)? where text == "none": "keep its groups"
        default: "remove it from every group it is a direct member of (dynamic and on-premises groups are reported, not changed)"
        }
        let sessions = request.bool("revoke_sessions", default: true) ? ", revoke its sign-in sessions" : ""
        return ActionPreview("find the Entra ID \(who), set accountEnabled to false\(sessions), \(groups)",
                             details: ["tenant: \(request.text("tenant_id"))"])
    }
}

/// A group the leaver is a direct member of, as Graph lists it.
struct EntraGroup: Sendable, Hashable {
    let id: String
    let name: String
    /// Why it is not removed here, when it is not: a dynamic group's rule decides its members, a group synchronised
    /// from on-premises Active Directory is changed there, and a mail-enabled one (not a Microsoft 365 group) is
    /// Exchange's.
    let notRemovable: String?

    static let fields = "id,displayName,groupTypes,onPremisesSyncEnabled,mailEnabled,securityEnabled,isAssignableToRole"
    /// A group Entra roles can be assigned to: changing its members also needs `RoleManagement.ReadWrite.Directory`.
    let roleAssignable: Bool

    init?(_ json: [String: Any]) {
        guard let id = json["id"] as? String else { return nil }
        self.id = id
        name = json["displayName"] as? String ?? id
        roleAssignable = json["isAssignableToRole"] as? Bool == true
        let types = json["groupTypes"] as? [String] ?? []
        if types.contains("DynamicMembership") {
            notRemovable = "dynamic membership: its rule decides who is in it"
        } else if json["onPremisesSyncEnabled"] as? Bool == true {
            notRemovable = "synchronised from on-premises Active Directory: remove the membership there"
        } else if json["mailEnabled"] as? Bool == true, !types.contains("Unified") {
            // Distribution lists and mail-enabled security groups are Exchange's; Graph refuses to change their members.
            notRemovable = "mail-enabled (a distribution list or mail-enabled security group): Exchange manages its members; remove it there"
        } else {
            notRemovable = nil
        }
    }

    var label: String { "\(name) (\(id))" }
}
