import Engine
import Foundation
import NIOHTTP1
import Playbook

/// `okta.deactivate`: suspends or deactivates a leaver's Okta user through the Management API, clears its sessions
/// (and OAuth tokens), and removes its group memberships; a group Okta itself keeps (Everyone) or one an application
/// imports is reported as kept, never as removed.
public struct OktaDeactivateHandler: StepHandler {
    public init() {}

    public let type = "okta.deactivate"
    public let removesAccess = true
    public let summary = "Suspends or deactivates an Okta user through the Management API, clears its sessions and OAuth tokens, and removes its group memberships."

    public var parameters: ParameterSchema {
        ParameterSchema([
            ParameterField("org_url", .string, required: true, description: "the Okta org's URL (https://acme.okta.com)", acceptsSecrets: true),
            ParameterField("api_token", .string, required: true, description: "an API token, as ${secret:NAME}", sensitive: true),
            ParameterField("user", .string, required: true, description: "the user's id or login"),
            ParameterField("action", .enumeration(["deactivate", "suspend"]),
                           description: "deactivate (the user cannot sign in; Okta keeps it for reactivation or deletion) or suspend (reversible by unsuspend)",
                           default: .string("deactivate")),
            ParameterField("clear_sessions", .bool, description: "end the user's Okta sessions and revoke its OAuth tokens", default: .bool(true)),
            ParameterField("groups", .oneOf([.enumeration(["all", "none"]), .list(.string)]),
                           description: "the groups to remove the user from: all (default), none, or a list of group ids", default: .string("all")),
            ParameterField("allow_plaintext", .bool, description: "allow an http:// org_url (a test server): the token travels unencrypted", default: .bool(false)),
            ParameterField("timeout", .duration, description: "per-request timeout (default 30s)"),
        ])
    }

    public func plan(_ request: HandlerPlanRequest) async throws -> ActionPreview {
        let action = request.text("action") == "suspend" ? "suspend" : "deactivate"
        let sessions = request.bool("clear_sessions", default: true) ? ", end its sessions and revoke its OAuth tokens" : ""
        let groups: String = switch request.parameters["groups"] {
        case .list?: "remove it from the groups listed"
        case .string(let text)? where text == "none": "keep its groups"
        default: "remove it from every group Okta lets it leave (Everyone and application groups are reported, not changed)"
        }
        return ActionPreview("find the Okta user \(request.quoted("user")), \(action) it\(sessions), \(groups)", details: ["org: \(request.text("org_url"))"])
    }

    public func execute(_ context: ExecutionContext) async throws -> StepOutcome {
        let okta = try OktaService(context)
        let suspend = context.parameters["action"]?.displayText == "suspend"
        let scope = try GroupScope(context.parameters["groups"])
        guard let key = context.parameters["user"]?.displayText, !key.isEmpty else { throw HandlerFailure("user is missing", retryable: false) }
        let description = "user \"\(SafeText.terminal(key))\""
        let found = try await okta.send(.GET, "/users/\(HTTPExchange.pathSegment(key))")
        if found.status == 404 {
            return .accessRemoval(.object(["state": "absent"]), AccessRemoval(.alreadyAbsent, system: okta.system, priorState: "no Okta \(description)"))
        }
        guard found.status == 200, let user = found.json as? [String: Any], let id = user["id"] as? String, let status = user["status"] as? String else {
            throw okta.failure(found, "read \(description)")
        }
        let login = (user["profile"] as? [String: Any])?["login"] as? String ?? id
        let done = suspend ? ["SUSPENDED", "DEPROVISIONED"] : ["DEPROVISIONED"]
        var removed: [String] = []
        if !done.contains(status) {
            let verb = suspend ? "suspend" : "deactivate"
            let response = try await okta.send(.POST, "/users/\(HTTPExchange.pathSegment(id))/lifecycle/\(verb)" + (suspend ? "" : "?sendEmail=false"))
            guard response.status == 200 || response.status == 202 else { throw okta.failure(response, "\(verb) \(login) (status \(status); nothing was changed)") }
            removed.append(suspend ? "user suspended (was \(status))" : "user deactivated (was \(status))")
        }
        var cleared = false
        if context.parameters["clear_sessions"].map({ if case .bool(false) = $0 { false } else { true } }) ?? true {
            let response = try await okta.send(.DELETE, "/users/\(HTTPExchange.pathSegment(id))/sessions?oauthTokens=true")
            guard response.status == 204 || response.status == 200 else { throw okta.failure(response, "end the sessions of \(login)" + StepProgress.after(removed)) }
            cleared = true
            // Ending the sessions of a user Okta had already stopped takes nothing away: only with the lifecycle change.
            if !removed.isEmpty { removed.append("sessions ended and OAuth tokens revoked") }
        }
        var taken: [OktaGroup] = [], kept: [OktaGroup] = []
        if scope != .listed([]) {
            for group in try await Self.groups(of: id, okta: okta, scope: scope) {
                guard group.notRemovable == nil else {
                    kept.append(group)
                    continue
                }
                let response = try await okta.send(.DELETE, "/groups/\(HTTPExchange.pathSegment(group.id))/users/\(HTTPExchange.pathSegment(id))")
                guard response.status == 204 || response.status == 200 || response.status == 404 else {
                    throw okta.failure(response, "remove \(login) from \(group.label)" + StepProgress.after(removed) + "; the groups after it are unchanged")
                }
                if response.status != 404 {
                    taken.append(group)
                    removed.append("membership of \(group.label) removed")
                }
            }
        }
        let changed = !removed.isEmpty
        let output: JSONValue = .object([
            "id": .string(id), "login": .string(login), "status": .string(done.contains(status) ? status : (suspend ? "SUSPENDED" : "DEPROVISIONED")),
            "was": .string(status), "sessions_cleared": .bool(cleared),
            "groups_removed": .array(taken.map { .object(["id": .string($0.id), "name": .string($0.name)]) }),
            "groups_kept": .array(kept.map { .object(["id": .string($0.id), "name": .string($0.name), "reason": .string($0.notRemovable ?? "")]) }),
        ])
        // On a later attempt, a user found stopped may have been stopped by an earlier one that then failed.
        let state = done.contains(status) && context.attempt > 1 ? "found \(status) (an earlier attempt of this step may have done it)" : status
        let groups = scope == .listed([]) ? scope.lookedAt : "in \(taken.count + kept.count) group(s) \(scope.lookedAt)"
        let before = "\(login) (\(id)): \(state), \(groups)" + kept.map { "; kept in \($0.label): \($0.notRemovable ?? "")" }.joined()
        return .accessRemoval(output, AccessRemoval(changed ? .removed : .alreadyAbsent, system: okta.system, removed: removed, priorState: before))
    }

    /// Reads the user back: suspended or deactivated as asked, and a member of none of the groups in scope that Okta
    /// lets it leave. (Okta lists no user's sessions, so their end is what execute was told, not read back.)
    public func verify(_ context: ExecutionContext) async throws -> VerificationResult? {
        let okta = try OktaService(context)
        let suspend = context.parameters["action"]?.displayText == "suspend"
        let scope = try GroupScope(context.parameters["groups"])
        let key = context.parameters["user"]?.displayText ?? ""
        let found = try await okta.send(.GET, "/users/\(HTTPExchange.pathSegment(key))")
        if found.status == 404 { return VerificationResult(holds: true, detail: "no Okta user \"\(SafeText.terminal(key))\" at \(okta.system)") }
        guard found.status == 200, let user = found.json as? [String: Any], let id = user["id"] as? String, let status = user["status"] as? String else {
            throw okta.failure(found, "read the user")
        }
        let wanted = suspend ? ["SUSPENDED", "DEPROVISIONED"] : ["DEPROVISIONED"]
        guard wanted.contains(status) else { return VerificationResult(holds: false, detail: "Okta user \(id) at \(okta.system) is \(status)") }
        guard scope != .listed([]) else { return VerificationResult(holds: true, detail: "Okta user \(id) at \(okta.system) is \(status); \(scope.lookedAt)") }
        let groups = try await Self.groups(of: id, okta: okta, scope: scope)
        let still = groups.filter { $0.notRemovable == nil }
        if !still.isEmpty { return VerificationResult(holds: false, detail: "Okta user \(id) is \(status) but still in \(still.map(\.label).joined(separator: ", "))") }
        let kept = groups.filter { $0.notRemovable != nil }
        return VerificationResult(holds: true, detail: "Okta user \(id) at \(okta.system) is \(status) and in none of the groups \(scope.lookedAt)"
                                  + (kept.isEmpty ? "" : " but \(kept.map(\.label).joined(separator: ", ")), which Okta keeps"))
    }

    /// The user's groups in scope, every page; each listed group is read first, and one that does not exist fails.
    static func groups(of id: String, okta: OktaService, scope: GroupScope) async throws -> [OktaGroup] {
        if case .listed(let ids) = scope {
            for group in ids {
                let response = try await okta.send(.GET, "/groups/\(HTTPExchange.pathSegment(group))")
                guard response.status == 200 else { throw okta.failure(response, "read the listed group \(SafeText.terminal(group))") }
            }
        }
        return try await okta.list("/users/\(HTTPExchange.pathSegment(id))/groups?limit=200").map { item throws(HandlerFailure) in
            guard let group = OktaGroup(item) else { throw HandlerFailure("\(okta.system): a group of \(id) came without an id", retryable: false) }
            return group
        }.filter { scope.contains($0.id) }
    }
}

/// A group an Okta user is in, as the Management API lists it.
struct OktaGroup: Sendable, Hashable {
    let id: String
    let name: String
    /// Why it is not removed here, when it is not: Everyone (`BUILT_IN`) holds every user; an `APP_GROUP` is imported
    /// from an application (Active Directory, Workday…) and changed there.
    let notRemovable: String?

    init?(_ json: [String: Any]) {
        guard let id = json["id"] as? String else { return nil }
        self.id = id
        name = (json["profile"] as? [String: Any])?["name"] as? String ?? id
        switch json["type"] as? String {
        case "BUILT_IN": notRemovable = "built in: every user is in it"
        case "APP_GROUP": notRemovable = "imported from an application: remove the membership there"
        default: notRemovable = nil
        }
    }

    var label: String { "\(name) (\(id))" }
}
