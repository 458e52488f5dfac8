import Engine
import Foundation
import LDAPClient
import Playbook

/// What one `ldap.disable` step works on: its directory, how the leaver is found, and what it changes besides the
/// account (groups, the OU).
struct LDAPDisableStep: Sendable {
    let target: LDAPTarget
    let lookup: LDAPTarget.Lookup
    let groups: GroupMemberships
    let moveTo: String?

    init(_ context: ExecutionContext) throws(HandlerFailure) {
        target = try LDAPTarget(context)
        lookup = try LDAPTarget.Lookup(context.parameters)
        let groupBase = context.parameters["group_base"]?.displayText ?? lookup.bases[0]
        guard LDAPDN.isValid(groupBase) else { throw HandlerFailure("group_base must be a DN", retryable: false) }
        groups = try GroupMemberships(base: groupBase, scope: try GroupScope(context.parameters["groups"]))
        moveTo = context.parameters["move_to"]?.displayText
        if let moveTo, !LDAPDN.isValid(moveTo) { throw HandlerFailure("move_to must be a DN (such as ou=leavers,dc=example,dc=com)", retryable: false) }
    }

    /// Whether `dn` sits directly under `parent` (already moved there).
    static func isChild(_ dn: String, of parent: String) -> Bool {
        guard let split = try? LDAPDN.split(dn) else { return false }
        return GroupMemberships.sameDN(split.parent, parent)
    }

    /// The attributes read from the leaver's entry.
    var entryAttributes: [String] { ["uid", "objectClass"] + target.flavour.stateAttributes }

    /// The leaver's entry: nil when none matches; a failure when several do (the step never guesses).
    func find(on connection: LDAPConnection) async throws(HandlerFailure) -> LDAPEntry? {
        var found: [LDAPEntry] = []
        for (index, base) in lookup.bases.enumerated() {
            do throws(LDAPError) {
                for entry in try await connection.search(base: base, scope: .subtree, filter: lookup.filter, attributes: entryAttributes)
                where !found.contains(where: { GroupMemberships.sameDN($0.dn, entry.dn) }) {
                    found.append(entry)
                }
            } catch where error.isNoSuchObject && index > 0 {
                continue  // no leavers' OU yet: nothing was moved there
            } catch {
                throw target.failure(error, doing: "search \(base) for \(lookup.description)")
            }
        }
        guard found.count <= 1 else {
            throw HandlerFailure("\(target.system): \(found.count) entries match \(lookup.description); refusing to guess", retryable: false)
        }
        return found.first
    }

    /// Opens a connection bound as the service account, runs `body`, and closes it whatever happens.
    func withConnection<T: Sendable>(_ body: (LDAPConnection) async throws -> T) async throws -> T {
        let connection = try await target.connect()
        do {
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }
}

extension LDAPDisableHandler {
    public func execute(_ context: ExecutionContext) async throws -> StepOutcome {
        let step = try LDAPDisableStep(context)
        let target = step.target, flavour = target.flavour
        return try await step.withConnection { connection in
            guard let entry = try await step.find(on: connection) else {
                return .accessRemoval(.object(["state": "absent", "directory": .string(flavour.rawValue)]),
                                      AccessRemoval(.alreadyAbsent, system: target.system, priorState: "no entry with \(step.lookup.description)"))
            }
            let prior = flavour.state(of: entry)
            var removed: [String] = []
            // The account first: whatever follows, the leaver can no longer sign in.
            if case .unreadable(let why) = prior {
                throw HandlerFailure("\(target.system): \(entry.dn): \(why) (the bind account may not read it); nothing was changed", retryable: false)
            }
            if !prior.isDisabled {
                do throws(LDAPError) {
                    try await connection.modify(entry.dn, flavour.disable(entry) ?? [])
                } catch {
                    throw target.failure(error, doing: "disable \(entry.dn); nothing was changed")
                }
                removed.append("account disabled (\(flavour.stateAttributes.joined(separator: ", ")))")
            }
            var taken: [GroupMemberships.Membership] = [], kept: [(GroupMemberships.Membership, String)] = []
            let memberships: [GroupMemberships.Membership]
            do throws(LDAPError) {
                memberships = try await step.groups.find(on: connection, dn: entry.dn, uids: entry.values("uid"), flavour: flavour)
            } catch {
                throw target.failure(error, doing: "find the groups of \(entry.dn)" + StepProgress.after(removed))
            }
            for membership in memberships {
                let outcome: GroupMemberships.Removal
                do throws(LDAPError) {
                    outcome = try await GroupMemberships.remove(membership, on: connection)
                } catch {
                    throw target.failure(error, doing: "remove \(entry.dn) from \(membership.group)" + StepProgress.after(removed) + "; the groups after it are unchanged")
                }
                switch outcome {
                case .removed:
                    taken.append(membership)
                    removed.append("membership of \(membership.group) removed (\(membership.attribute))")
                case .alreadyGone: continue
                case .kept(let reason): kept.append((membership, reason))
                }
            }
            var dn = entry.dn
            if let moveTo = step.moveTo, !LDAPDisableStep.isChild(entry.dn, of: moveTo) {
                do throws(LDAPError) {
                    dn = try await connection.move(entry.dn, under: moveTo)
                } catch {
                    throw target.failure(error, doing: "move \(entry.dn) to \(moveTo)" + StepProgress.after(removed))
                }
                removed.append("moved to \(moveTo)")
            }
            let keptText = kept.map { "kept in \($0.0.group): \($0.1)" }
            let output: JSONValue = .object([
                "dn": .string(dn), "directory": .string(flavour.rawValue), "state": "disabled",
                "was_disabled": .bool(prior.isDisabled), "prior": .string(prior.detail),
                "groups_removed": .array(taken.map(\.json)),
                "groups_kept": .array(kept.map { .object(["group": .string($0.0.group), "reason": .string($0.1)]) }),
                "moved_from": step.moveTo != nil && dn != entry.dn ? .string(entry.dn) : .null,
            ])
            // On a later attempt, an account found disabled may have been disabled by an earlier one that then failed.
            let found = prior.isDisabled ? (context.attempt > 1 ? "found disabled (an earlier attempt of this step may have disabled it)" : "already disabled") : "enabled"
            let groups = step.groups.scope == .listed([]) ? step.groups.lookedAt : "in \(taken.count + kept.count) group(s) \(step.groups.lookedAt)"
            let before = "\(entry.dn): \(found) (\(prior.detail)), \(groups)" + (keptText.isEmpty ? "" : "; " + keptText.joined(separator: "; "))
            guard !removed.isEmpty else {
                return .accessRemoval(output, AccessRemoval(.alreadyAbsent, system: target.system, priorState: before))
            }
            return .accessRemoval(output, AccessRemoval(.removed, system: target.system, removed: removed, priorState: before))
        }
    }

    /// Reads the entry back on a fresh connection: disabled, in none of the groups the step takes it out of (but a
    /// group the server would not leave empty), and, with `test_password`, refusing a bind as the leaver.
    public func verify(_ context: ExecutionContext) async throws -> VerificationResult? {
        let step = try LDAPDisableStep(context)
        let target = step.target, flavour = target.flavour
        let testPassword = try context.parameters["test_password"].flatMap { value throws(HandlerFailure) in try context.secrets.reveal(value) }
        return try await step.withConnection { connection in
            guard let entry = try await step.find(on: connection) else {
                return VerificationResult(holds: true, detail: "no entry with \(step.lookup.description) at \(target.system)")
            }
            let state = flavour.state(of: entry)
            guard state.isDisabled else { return VerificationResult(holds: false, detail: "\(entry.dn) at \(target.system) is not disabled: \(state.detail)") }
            var still: [String] = [], sole: [String] = []
            let memberships: [GroupMemberships.Membership]
            do throws(LDAPError) {
                memberships = try await step.groups.find(on: connection, dn: entry.dn, uids: entry.values("uid"), flavour: flavour)
            } catch {
                throw target.failure(error, doing: "read the groups of \(entry.dn)")
            }
            for membership in memberships {
                // Only a group whose class requires the attribute may keep the leaver as its last member.
                let group = membership.requiredByClass ? try? await connection.read(membership.group, attributes: [membership.attribute]) : nil
                if let group, group.values(membership.attribute).count == 1 { sole.append(membership.group) } else { still.append(membership.group) }
            }
            if !still.isEmpty { return VerificationResult(holds: false, detail: "\(entry.dn) is still a member of \(still.joined(separator: ", "))") }
            var detail = "\(entry.dn) at \(target.system) is disabled (\(state.detail))"
                + (step.groups.scope == .listed([]) ? "; \(step.groups.lookedAt)" : " and in none of the groups \(step.groups.lookedAt)")
                + (sole.isEmpty ? "" : " but \(sole.joined(separator: ", ")), of which it is the only member (its class requires one)")
            if let testPassword, !testPassword.isEmpty {
                switch await Self.bindRefusal(as: entry.dn, password: testPassword, target: target) {
                case .success(let refusal): detail += "; a bind as it is refused (\(refusal))"
                case .failure(let problem): return VerificationResult(holds: false, detail: "\(detail); but \(problem)")
                }
            }
            return VerificationResult(holds: true, detail: detail)
        }
    }

    /// Binds as the leaver on a fresh connection: the refusal, in words that say what it proves, when the server refused
    /// the bind; or what is wrong (it bound; a refusal that says the password was wrong rather than the account disabled).
    static func bindRefusal(as dn: String, password: String, target: LDAPTarget) async -> Result<String, BindProblem> {
        let refusal: LDAPError
        do throws(LDAPError) {
            let connection = try await LDAPConnection.open(target.options)
            defer { Task { await connection.close() } }
            try await connection.bind(dn: dn, password: password)
            return .failure(BindProblem(text: "a bind as it with test_password succeeded: the account still signs in"))
        } catch {
            refusal = error
        }
        let said = target.secrets.redact(refusal.diagnostic ?? "")
        switch target.flavour {
        case .openldap where refusal.isInvalidCredentials:
            return .success("49; ppolicy answers a locked account as it answers a wrong password, so this confirms the lock only with a test_password known to be right")
        case .directory389 where refusal.code == 53 && said.localizedCaseInsensitiveContains("inactivated"):
            return .success("53, account inactivated")
        case .activeDirectory where refusal.isInvalidCredentials && said.contains("data 533"):
            return .success("49, account disabled")
        case .directory389 where refusal.isInvalidCredentials, .activeDirectory where refusal.isInvalidCredentials:
            return .failure(BindProblem(text: "the server refused the bind as a wrong password, not as a disabled account (\(said)); check test_password"))
        default:
            return .failure(BindProblem(text: "a bind as it could not be tried: \(target.secrets.redact(refusal.description))"))
        }
    }

    struct BindProblem: Error, Sendable { let text: String }
}

extension LDAPDisableHandler.BindProblem: CustomStringConvertible { var description: String { text } }
