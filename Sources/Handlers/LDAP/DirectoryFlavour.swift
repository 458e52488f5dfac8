import Foundation
import LDAPClient

/// How a directory server marks an account disabled, and how it is read back: the one place that knows each
/// flavour's attribute. Pure (no connection): the handler reads the entry, asks what to change, and sends it.
enum DirectoryFlavour: String, Sendable, CaseIterable {
    /// OpenLDAP with the ppolicy overlay: `pwdAccountLockedTime: 000001010000Z` locks the account for good (binds then
    /// fail with 49), where a policy with `pwdLockout: TRUE` applies.
    case openldap
    /// 389 Directory Server (and Red Hat Directory Server, FreeIPA's): `nsAccountLock: TRUE`.
    case directory389 = "389ds"
    /// Active Directory (and Samba as a domain controller): the ACCOUNTDISABLE bit (0x2) of `userAccountControl`, every
    /// other bit kept.
    case activeDirectory = "active-directory"

    static let permanentLock = "000001010000Z"
    static let accountDisable = 0x2

    /// The attributes to read for the account's state.
    var stateAttributes: [String] {
        switch self {
        case .openldap: ["pwdAccountLockedTime"]
        case .directory389: ["nsAccountLock"]
        case .activeDirectory: ["userAccountControl"]
        }
    }

    /// The account's state as the entry shows it.
    func state(of entry: LDAPEntry) -> AccountState {
        switch self {
        case .openldap:
            guard let locked = entry.value("pwdAccountLockedTime") else { return .enabled("no pwdAccountLockedTime") }
            // A lock time in the past or the permanent value locks; ppolicy's own lockout after failed binds writes the
            // time of the lockout, which pwdLockoutDuration may end: only the permanent value is taken as disabled.
            return locked == Self.permanentLock ? .disabled("pwdAccountLockedTime \(locked)") : .enabled("pwdAccountLockedTime \(locked), which may expire")
        case .directory389:
            let lock = entry.value("nsAccountLock")
            return lock?.caseInsensitiveCompare("TRUE") == .orderedSame ? .disabled("nsAccountLock TRUE") : .enabled("nsAccountLock \(lock ?? "absent")")
        case .activeDirectory:
            guard let text = entry.value("userAccountControl"), let flags = Int(text) else { return .unreadable("no readable userAccountControl") }
            return flags & Self.accountDisable != 0 ? .disabled("userAccountControl \(flags) (ACCOUNTDISABLE set)")
                : .enabled("userAccountControl \(flags)")
        }
    }

    /// The one modify that disables the account, from the entry as read. For Active Directory the old value is deleted
    /// and the new one added in the same modify, so a change made meanwhile by someone else fails it instead of being
    /// overwritten.
    func disable(_ entry: LDAPEntry) -> [LDAPChange]? {
        switch self {
        case .openldap: return [LDAPChange(.replace, "pwdAccountLockedTime", [Self.permanentLock])]
        case .directory389: return [LDAPChange(.replace, "nsAccountLock", ["TRUE"])]
        case .activeDirectory:
            guard let text = entry.value("userAccountControl"), let flags = Int(text) else { return nil }
            return [LDAPChange(.delete, "userAccountControl", [text]), LDAPChange(.add, "userAccountControl", [String(flags | Self.accountDisable)])]
        }
    }

    /// The one modify that enables the account again (a rehire), from the entry as read.
    func enable(_ entry: LDAPEntry) -> [LDAPChange]? {
        switch self {
        case .openldap:
            return entry.value("pwdAccountLockedTime") == nil ? [] : [LDAPChange(.delete, "pwdAccountLockedTime")]
        case .directory389:
            return entry.value("nsAccountLock") == nil ? [] : [LDAPChange(.delete, "nsAccountLock")]
        case .activeDirectory:
            guard let text = entry.value("userAccountControl"), let flags = Int(text) else { return nil }
            return [LDAPChange(.delete, "userAccountControl", [text]), LDAPChange(.add, "userAccountControl", [String(flags & ~Self.accountDisable)])]
        }
    }

    /// The account as read: enabled, disabled, or not readable (an Active Directory entry without the attribute,
    /// which the bind account may not read); each with what was read, for the evidence.
    enum AccountState: Sendable, Hashable {
        case enabled(String)
        case disabled(String)
        case unreadable(String)

        var detail: String {
            switch self {
            case .enabled(let text), .disabled(let text), .unreadable(let text): text
            }
        }

        var isDisabled: Bool {
            if case .disabled = self { true } else { false }
        }
    }
}
