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

        var json: JSONValue { .object(["group": .string(group), "attribute": .string(attribute), "value": .string(value)]) }

        init(group: String, attribute: String, value: String) {
            self.group = group
            self.attribute = attribute
            self.value = value
        }

        /// From a step's output (`groups_removed`), for putting it back.
        init?(_ value: Value) {
            guard case .object(let fields) = value, let group = fields["group"]?.displayText, let attribute = fields["attribute"]?.displayText,
                  let member = fields["value"]?.displayText, LDAPFilter.isAttributeDescription(attribute) else { return nil }
            self.init(group: group, attribute: attribute, value: member)
        }
    }

    /// Which groups a step takes the leaver out of: every group under the base, or only those listed.
    enum Scope: Sendable, Hashable {
        case all
        case listed([String])

        init(_ value: Value?) throws(HandlerFailure) {
            switch value {
            case nil: self = .all
            case .string(let text)? where text == "all": self = .all
            case .string(let text)? where text == "none": self = .listed([])
            case .list(let items)?:
                let names = items.compactMap(\.displayText)
                guard names.count == items.count, names.allSatisfy(LDAPDN.isValid) else {
                    throw HandlerFailure("groups must be all, none, or a list of group DNs", retryable: false)
                }
                self = .listed(names)
            default: throw HandlerFailure("groups must be all, none, or a list of group DNs", retryable: false)
            }
        }

        func contains(_ group: String) -> Bool {
            switch self {
            case .all: return true
            case .listed(let groups): return groups.contains { GroupMemberships.sameDN($0, group) }
            }
        }
    }

    let base: String
    let scope: Scope

    /// The user's memberships under `base` that `scope` takes in: `member` and `uniqueMember` by DN, `memberUid` by the
    /// user's uid (where it has one; Active Directory keeps memberships only in `member`).
    func find(on connection: LDAPConnection, dn: String, uid: String?, flavour: DirectoryFlavour) async throws(LDAPError) -> [Membership] {
        if case .listed(let groups) = scope, groups.isEmpty { return [] }
        var searches: [(attribute: String, value: String)] = [("member", dn)]
        if flavour != .activeDirectory {
            searches.append(("uniqueMember", dn))
            if let uid { searches.append(("memberUid", uid)) }
        }
        var found: [Membership] = []
        for (attribute, value) in searches {
            let groups = try await connection.search(base: base, scope: .subtree, filter: LDAPFilter.equality(attribute, value)!, attributes: ["cn"])
            found += groups.filter { scope.contains($0.dn) }.map { Membership(group: $0.dn, attribute: attribute, value: value) }
        }
        return found
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
