import Engine
import Playbook

/// `postgres.revoke`: stops a PostgreSQL role from logging in, revokes its memberships and ends its sessions.
public struct PostgresRevokeHandler: StepHandler {
    public init() {}

    public let type = "postgres.revoke"
    public let removesAccess = true
    public let summary = "Disables a PostgreSQL role's login, revokes its memberships and ends its open sessions."

    public var parameters: ParameterSchema {
        ParameterSchema([
            ParameterField("connection", .string, required: true, description: "connection URL of an administrator, as ${secret:NAME}", sensitive: true),
            ParameterField("role", .string, required: true, description: "the leaver's database role"),
            ParameterField("terminate_sessions", .bool, description: "end the role's open sessions", default: .bool(true)),
            ParameterField("revoke_memberships", .oneOf([.enumeration(["all", "none"]), .list(.string)]),
                           description: "'all', 'none' or a list of roles to revoke", default: .string("all")),
            ParameterField("reassign_owned_to", .string, description: "role that takes over objects the leaver owns"),
            ParameterField("if_missing", .enumeration(["fail", "succeed"]), description: "what to do when the role does not exist", default: .string("fail")),
        ])
    }

    public func plan(_ request: HandlerPlanRequest) async throws -> ActionPreview {
        var actions = ["disable login of role \(request.quoted("role"))"]
        switch request.parameters["revoke_memberships"] {
        case .string("none")?: break
        case .list(let roles)?: actions.append("revoke its membership in \(roles.compactMap { $0.displayText }.joined(separator: ", "))")
        default: actions.append("revoke all its role memberships")
        }
        if request.parameters["reassign_owned_to"] != nil { actions.append("reassign what it owns to \(request.quoted("reassign_owned_to"))") }
        if request.bool("terminate_sessions", default: true) { actions.append("end its open sessions") }
        let sentence = actions.dropLast().joined(separator: ", ") + (actions.count > 1 ? " and " : "") + actions.last!
        var details = ["database: \(request.text("connection"))"]
        if let secrets = request.liveSecrets { details += await inspect(request, secrets: secrets) }
        return ActionPreview(sentence, details: details)
    }
}
