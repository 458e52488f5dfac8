import Engine
import Foundation
import NIOHTTP1
import Playbook

/// The leaver as Graph shows them, and how a step finds them.
struct EntraUser: Sendable {
    let id: String
    let principal: String
    let enabled: Bool
    /// When Graph last invalidated the user's refresh tokens (`revokeSignInSessions` sets it).
    let sessionsValidFrom: String?

    static let fields = "id,userPrincipalName,accountEnabled,signInSessionsValidFromDateTime"

    init?(_ json: [String: Any]) {
        guard let id = json["id"] as? String else { return nil }
        self.id = id
        principal = json["userPrincipalName"] as? String ?? id
        enabled = json["accountEnabled"] as? Bool ?? true
        sessionsValidFrom = json["signInSessionsValidFromDateTime"] as? String
    }

    /// The user the step names (by id or principal name, or by employeeId), nil when there is none; a failure when
    /// several users have the employeeId (the step never guesses).
    static func find(_ context: ExecutionContext, graph: GraphService, token: String) async throws -> (user: EntraUser?, description: String) {
        if let key = context.parameters["user"]?.displayText {
            let description = "user \"\(SafeText.terminal(key))\""
            let response = try await graph.send(.GET, "/users/\(HTTPExchange.pathSegment(key))?$select=\(fields)", token: token)
            if response.status == 404 { return (nil, description) }
            guard response.status == 200, let json = response.json as? [String: Any], let user = EntraUser(json) else { throw graph.failure(response, "read \(description)") }
            return (user, description)
        }
        guard let employee = context.parameters["employee_id"]?.displayText, !employee.isEmpty else { throw HandlerFailure("give user or employee_id", retryable: false) }
        let description = "employeeId \"\(SafeText.terminal(employee))\""
        let filter = "employeeId eq \(GraphService.literal(employee))"
        let encoded = filter.addingPercentEncoding(withAllowedCharacters: HTTPExchange.unreserved) ?? filter
        let users = try await graph.collection("/users?$filter=\(encoded)&$select=\(fields)", token: token).compactMap(EntraUser.init)
        guard users.count <= 1 else { throw HandlerFailure("\(graph.system): \(users.count) users have \(description); refusing to guess", retryable: false) }
        return (users.first, description)
    }
}

extension EntraDisableHandler {
    public func execute(_ context: ExecutionContext) async throws -> StepOutcome {
        let graph = try GraphService(context)
        let scope = try GroupScope(context.parameters["groups"])
        let token = try await graph.token()
        let (found, description) = try await EntraUser.find(context, graph: graph, token: token)
        guard let user = found else {
            return .accessRemoval(.object(["state": "absent"]), AccessRemoval(.alreadyAbsent, system: graph.system, priorState: "no Entra ID \(description)"))
        }
        var removed: [String] = []
        if user.enabled {
            let response = try await graph.send(.PATCH, "/users/\(HTTPExchange.pathSegment(user.id))", token: token, json: ["accountEnabled": false])
            guard response.status == 204 || response.status == 200 else { throw graph.failure(response, "disable \(user.principal) (nothing was changed)") }
            removed.append("account disabled (accountEnabled: false)")
        }
        var sessionsRevoked = false
        if context.parameters["revoke_sessions"].map({ if case .bool(false) = $0 { false } else { true } }) ?? true {
            let response = try await graph.send(.POST, "/users/\(HTTPExchange.pathSegment(user.id))/revokeSignInSessions", token: token)
            guard response.status == 200 || response.status == 204 else { throw graph.failure(response, "revoke the sign-in sessions of \(user.principal)" + StepProgress.after(removed)) }
            sessionsRevoked = true
            removed.append("sign-in sessions revoked")
        }
        var taken: [EntraGroup] = [], kept: [EntraGroup] = [], gone: [EntraGroup] = []
        if scope != .listed([]) {
            let groups = try await Self.groups(of: user, graph: graph, token: token, scope: scope)
            for group in groups {
                guard group.notRemovable == nil else {
                    kept.append(group)
                    continue
                }
                let response = try await graph.send(.DELETE, "/groups/\(HTTPExchange.pathSegment(group.id))/members/\(HTTPExchange.pathSegment(user.id))/$ref", token: token)
                switch response.status {
                case 204, 200:
                    taken.append(group)
                    removed.append("membership of \(group.label) removed")
                case 404: gone.append(group)  // left meanwhile
                default:
                    let hint = response.status == 403 && group.roleAssignable ? " (a role-assignable group: the app also needs RoleManagement.ReadWrite.Directory)" : ""
                    throw graph.failure(response, "remove \(user.principal) from \(group.label)\(hint)" + StepProgress.after(removed) + "; the groups after it are unchanged")
                }
            }
        }
        let output: JSONValue = .object([
            "id": .string(user.id), "user_principal_name": .string(user.principal), "state": "disabled", "was_enabled": .bool(user.enabled),
            "sessions_revoked": .bool(sessionsRevoked),
            "groups_removed": .array(taken.map { .object(["id": .string($0.id), "name": .string($0.name)]) }),
            "groups_kept": .array(kept.map { .object(["id": .string($0.id), "name": .string($0.name), "reason": .string($0.notRemovable ?? "")]) }),
        ])
        // On a later attempt, a user found disabled may have been disabled by an earlier one that then failed.
        let state = user.enabled ? "enabled" : (context.attempt > 1 ? "found disabled (an earlier attempt of this step may have disabled it)" : "already disabled")
        let groups = scope == .listed([]) ? scope.lookedAt : "in \(taken.count + kept.count + gone.count) group(s) \(scope.lookedAt)"
        let before = "\(user.principal) (\(user.id)): \(state), \(groups)" + kept.map { "; kept in \($0.label): \($0.notRemovable ?? "")" }.joined()
            + gone.map { "; \($0.label): left meanwhile" }.joined()
        // Revoking the sessions of an account that was already disabled takes nothing away (Entra refuses a disabled
        // account's tokens): only disabling it or removing a membership is a removal.
        let changed = user.enabled || !taken.isEmpty
        return .accessRemoval(output, AccessRemoval(changed ? .removed : .alreadyAbsent, system: graph.system, removed: changed ? removed : [], priorState: before))
    }

    /// Reads the user back with a fresh token: disabled, and a member of none of the groups the step takes it out of
    /// but those Graph cannot change (dynamic, on-premises), which the detail names.
    public func verify(_ context: ExecutionContext) async throws -> VerificationResult? {
        let graph = try GraphService(context)
        let scope = try GroupScope(context.parameters["groups"])
        let token = try await graph.token()
        let (found, description) = try await EntraUser.find(context, graph: graph, token: token)
        guard let user = found else { return VerificationResult(holds: true, detail: "no Entra ID \(description) at \(graph.system)") }
        guard !user.enabled else { return VerificationResult(holds: false, detail: "\(user.principal) at \(graph.system) is still enabled") }
        var detail = "\(user.principal) at \(graph.system) is disabled"
        if let from = user.sessionsValidFrom { detail += "; sign-in sessions valid only from \(from)" }
        guard scope != .listed([]) else { return VerificationResult(holds: true, detail: detail + "; " + scope.lookedAt) }
        let groups = try await Self.groups(of: user, graph: graph, token: token, scope: scope)
        let still = groups.filter { $0.notRemovable == nil }
        if !still.isEmpty { return VerificationResult(holds: false, detail: "\(detail), but still a member of \(still.map(\.label).joined(separator: ", "))") }
        let kept = groups.filter { $0.notRemovable != nil }
        return VerificationResult(holds: true, detail: detail + ", in none of the groups \(scope.lookedAt)"
                                  + (kept.isEmpty ? "" : " but \(kept.map(\.label).joined(separator: ", ")), which Graph cannot change"))
    }

    /// The user's direct group memberships, every page.
    /// The user's direct group memberships in scope, every page. Each listed group is read first: one that does not
    /// exist fails the step (a list that names nothing proves nothing).
    static func groups(of user: EntraUser, graph: GraphService, token: String, scope: GroupScope) async throws -> [EntraGroup] {
        if case .listed(let ids) = scope {
            for id in ids {
                let response = try await graph.send(.GET, "/groups/\(HTTPExchange.pathSegment(id))?$select=id", token: token)
                guard response.status == 200 else { throw graph.failure(response, "read the listed group \(SafeText.terminal(id))") }
            }
        }
        let items = try await graph.collection("/users/\(HTTPExchange.pathSegment(user.id))/memberOf/microsoft.graph.group?$select=\(EntraGroup.fields)&$top=100",
                                               token: token)
        return try items.map { item throws(HandlerFailure) in
            guard let group = EntraGroup(item) else { throw HandlerFailure("\(graph.system): a group of \(user.principal) came without an id", retryable: false) }
            return group
        }.filter { scope.contains($0.id) }
    }
}
