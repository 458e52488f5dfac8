import Engine
import Foundation
import LDAPClient
import Playbook

/// A leaver's direct group memberships in a directory, found by the attribute each kind of group keeps them in
/// (`member` for groupOfNames and Active Directory groups, `uniqueMember` for groupOfUniqueNames, `memberUid` for
/// posixGroup), one search each, and removed one group at a time so that one refusal names its group.
struct GroupMemberships: Sendable {
    /// One membership: the group, the attribute holding it, and the value to delete (the user's DN, or its uid).
    struct Membership: Sendable, Hashable {
        let group: String
        let attribute: String
        let value: String
        /// The group's class requires the attribute (a groupOfNames its `member`, a groupOfUniqueNames its
        /// `uniqueMember`): the server will not take its last value away.
        let requiredByClass: Bool

        var json: JSONValue { .object(["group": .string(group), "attribute": .string(attribute), "value": .string(value)]) }

        init(group: String, attribute: String, value: String, requiredByClass: Bool = false) {
            self.group = group
            self.attribute = attribute
            self.value = value
            self.requiredByClass = requiredByClass
        }

        /// From a step's output (`groups_removed`), for putting it back.
        init?(_ value: Value) {
            guard case .object(let fields) = value, let group = fields["group"]?.displayText, LDAPDN.isValid(group),
                  let attribute = fields["attribute"]?.displayText, let member = fields["value"]?.displayText,
                  LDAPFilter.isAttributeDescription(attribute) else { return nil }
            self.init(group: group, attribute: attribute, value: member)
        }

        /// Whether a group entry's classes require `attribute`.
        static func required(_ attribute: String, by group: LDAPEntry) -> Bool {
            let classes = Set(group.values("objectClass").map { $0.lowercased() })
            switch attribute.lowercased() {
            case "member": return classes.contains("groupofnames")
            case "uniquemember": return classes.contains("groupofuniquenames")
            default: return false
            }
        }
    }

    let base: String
    /// Every group under the base, or only those listed (by DN).
    let scope: GroupScope

    init(base: String, scope: GroupScope) throws(HandlerFailure) {
        if case .listed(let groups) = scope, !groups.allSatisfy(LDAPDN.isValid) {
            throw HandlerFailure("groups must be all, none, or a list of group DNs", retryable: false)
        }
        self.base = base
        self.scope = scope
    }

    /// The user's memberships that `scope` takes in: `member` and `uniqueMember` by DN, `memberUid` by each of the user's
    /// uids (Active Directory keeps memberships only in `member`). With `all`, every group under `base`; with a list,
    /// each listed group read where it is (one that does not exist fails: a list that names nothing proves nothing).
    func find(on connection: LDAPConnection, dn: String, uids: [String], flavour: DirectoryFlavour) async throws(LDAPError) -> [Membership] {
        var searches: [(attribute: String, value: String)] = [("member", dn)]
        if flavour != .activeDirectory {
            searches.append(("uniqueMember", dn))
            searches += uids.map { ("memberUid", $0) }
        }
        var found: [Membership] = []
        switch scope {
        case .all:
            for (attribute, value) in searches {
                for group in try await connection.search(base: base, scope: .subtree, filter: LDAPFilter.equality(attribute, value)!, attributes: ["objectClass"]) {
                    found.append(Membership(group: group.dn, attribute: attribute, value: value, requiredByClass: Membership.required(attribute, by: group)))
                }
            }
        case .listed(let groups):
            for listed in groups {
                guard try await connection.read(listed, attributes: ["objectClass"]) != nil else {
                    throw LDAPError(code: 32, operation: "read the listed group \(listed)", diagnostic: "no such group")
                }
                for (attribute, value) in searches {
                    for group in try await connection.search(base: listed, scope: .base, filter: LDAPFilter.equality(attribute, value)!, attributes: ["objectClass"]) {
                        found.append(Membership(group: group.dn, attribute: attribute, value: value, requiredByClass: Membership.required(attribute, by: group)))
                    }
                }
            }
        }
        return found
    }

    /// How the groups looked at are described in the evidence: "under ou=groups,…" or "of the 2 listed".
    var lookedAt: String {
        switch scope {
        case .all: "under \(base)"
        case .listed(let groups): groups.isEmpty ? "(groups not checked: groups is none)" : "of the \(groups.count) listed"
        }
    }

    /// Whether two DNs name the same entry (libldap's normal form, compared without regard to case).
    static func sameDN(_ first: String, _ second: String) -> Bool {
        guard let one = LDAPDN.normalized(first), let other = LDAPDN.normalized(second) else { return first.caseInsensitiveCompare(second) == .orderedSame }
        return one.caseInsensitiveCompare(other) == .orderedSame
    }

    /// What removing one membership came to.
    enum Removal: Sendable, Hashable {
        case removed
        /// Gone meanwhile (another process removed it): nothing changed here.
        case alreadyGone
        /// The server refused to leave the group without a member (groupOfNames must keep one): left as it is.
        case kept(String)
    }

    /// Removes one membership. A refusal other than "no such value" or "the group would be empty" is thrown: the bind
    /// account may not change that group, and the step fails naming it.
    static func remove(_ membership: Membership, on connection: LDAPConnection) async throws(LDAPError) -> Removal {
        do throws(LDAPError) {
            try await connection.modify(membership.group, [LDAPChange(.delete, membership.attribute, [membership.value])])
            return .removed
        } catch where error.code == 16 {  // noSuchAttribute: the value is gone
            return .alreadyGone
        } catch where error.code == 65 {  // objectClassViolation: the group must keep a member
            return .kept("the group would be left with no \(membership.attribute), which its class requires")
        }
    }
}
