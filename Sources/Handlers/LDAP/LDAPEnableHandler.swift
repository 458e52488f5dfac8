import Engine
import Foundation
import LDAPClient
import Playbook

/// `ldap.enable`: undoes `ldap.disable` for a rehire (a step's `compensate:`), from what that step recorded: enables
/// the account, puts back the memberships it removed, and moves the entry back where it was.
public struct LDAPEnableHandler: StepHandler {
    public init() {}

    public let type = "ldap.enable"
    public let summary = "Enables an LDAP account that ldap.disable disabled, puts back the group memberships it removed and moves the entry back (a rehire)."

    public var parameters: ParameterSchema {
        ParameterSchema(LDAPDisableHandler.connectionFields + [
            ParameterField("dn", .string, required: true, description: "the entry's DN as ldap.disable left it (steps.ID.output.dn)"),
            ParameterField("memberships", .list(.any), description: "the memberships ldap.disable removed (steps.ID.output.groups_removed)"),
            ParameterField("original_dn", .string, description: "the entry's DN before ldap.disable moved it (steps.ID.output.moved_from); it is moved back"),
            ParameterField("was_disabled", .bool, description: "whether the account was disabled before ldap.disable ran (steps.ID.output.was_disabled): then it stays disabled",
                           default: .bool(false)),
        ])
    }

    public func plan(_ request: HandlerPlanRequest) async throws -> ActionPreview {
        ActionPreview("enable the LDAP entry \(request.quoted("dn")), put back the memberships ldap.disable removed, and move it back if it was moved",
                      details: ["directory: \(request.text("url"))"])
    }

    public func execute(_ context: ExecutionContext) async throws -> StepOutcome {
        let target = try LDAPTarget(context), flavour = target.flavour
        guard let dn = context.parameters["dn"]?.displayText, LDAPDN.isValid(dn) else { throw HandlerFailure("dn must be a DN", retryable: false) }
        let original = context.parameters["original_dn"]?.displayText.flatMap { $0.isEmpty ? nil : $0 }
        if let original, !LDAPDN.isValid(original) { throw HandlerFailure("original_dn must be a DN", retryable: false) }
        var memberships: [GroupMemberships.Membership] = []
        if case .list(let items)? = context.parameters["memberships"] {
            memberships = items.compactMap(GroupMemberships.Membership.init)
            guard memberships.count == items.count else {
                throw HandlerFailure("memberships must be the list ldap.disable recorded (each with group, attribute and value)", retryable: false)
            }
        }
        let wasDisabled = context.parameters["was_disabled"].map { if case .bool(true) = $0 { true } else { false } } ?? false
        let connection = try await target.connect()
        defer { Task { await connection.close() } }
        let attributes = ["uid"] + flavour.stateAttributes
        var progress: [String] = []
        do {
            // A retry may find the entry moved back already.
            var current = dn
            var entry = try await connection.read(dn, attributes: attributes)
            if entry == nil, let original, let moved = try await connection.read(original, attributes: attributes) {
                (current, entry) = (original, moved)
            }
            guard let entry else { throw HandlerFailure("\(target.system): no entry \(dn) to enable", retryable: false) }
            var done: [String] = []
            defer { progress = done }
            if let original, !GroupMemberships.sameDN(current, original) {
                current = try await connection.move(current, under: try LDAPDN.split(original).parent)
                done.append("moved back to \(current)")
            }
            // An account disabled before offboarding began stays disabled: undoing the step gives back only what it took.
            switch flavour.state(of: entry) {
            case .unreadable(let why): throw HandlerFailure("\(target.system): \(current): \(why); not enabled" + StepProgress.after(done), retryable: false)
            case .disabled where !wasDisabled:
                try await connection.modify(current, flavour.enable(entry) ?? [])
                done.append("account enabled")
            case .disabled, .enabled: break
            }
            var restored: [JSONValue] = []
            for membership in memberships {
                // A DN-valued membership names the entry where it is now.
                let value = membership.attribute.lowercased() == "memberuid" ? membership.value : current
                if try await Self.addBack(membership, value: value, on: connection) { done.append("membership of \(membership.group) restored") }
                restored.append(.string(membership.group))
            }
            return .completed(.object(["dn": .string(current), "state": wasDisabled ? "disabled" : "enabled", "groups_restored": .array(restored),
                                       "done": .array(done.map(JSONValue.string))]))
        } catch let error as LDAPError {
            throw target.failure(error, doing: "enable \(dn)" + StepProgress.after(progress))
        }
    }

    /// Adds the membership back; false when it was there already (attributeOrValueExists).
    static func addBack(_ membership: GroupMemberships.Membership, value: String, on connection: LDAPConnection) async throws(LDAPError) -> Bool {
        do throws(LDAPError) {
            try await connection.modify(membership.group, [LDAPChange(.add, membership.attribute, [value])])
            return true
        } catch where error.code == 20 {
            return false
        }
    }
}
