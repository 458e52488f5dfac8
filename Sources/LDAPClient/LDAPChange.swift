import CLDAP
import Foundation

/// One change of an LDAP modify: add, delete or replace values of one attribute. Values go to the server as octets
/// (`LDAP_MOD_BVALUES`), so nothing in them is read as syntax.
public struct LDAPChange: Sendable, Hashable {
    public enum Operation: Sendable, Hashable {
        case add, delete, replace

        var code: Int32 {
            switch self {
            case .add: LDAP_MOD_ADD
            case .delete: LDAP_MOD_DELETE
            case .replace: LDAP_MOD_REPLACE
            }
        }
    }

    public var operation: Operation
    public var attribute: String
    /// For `delete`, none deletes the whole attribute; for `replace`, none removes it.
    public var values: [String]

    public init(_ operation: Operation, _ attribute: String, _ values: [String] = []) {
        self.operation = operation
        self.attribute = attribute
        self.values = values
    }

    /// Calls `body` with the changes as libldap's null-terminated `LDAPMod` array, freed afterwards.
    static func withMods<R>(_ changes: [LDAPChange], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<LDAPMod>?>) -> R) -> R {
        let mods = UnsafeMutablePointer<UnsafeMutablePointer<LDAPMod>?>.allocate(capacity: changes.count + 1)
        var allocated: [UnsafeMutableRawPointer] = []
        for (index, change) in changes.enumerated() {
            let mod = UnsafeMutablePointer<LDAPMod>.allocate(capacity: 1)
            mod.initialize(to: LDAPMod())
            mod.pointee.mod_op = change.operation.code | LDAP_MOD_BVALUES
            mod.pointee.mod_type = strdup(change.attribute)
            allocated.append(UnsafeMutableRawPointer(mod.pointee.mod_type))
            if !change.values.isEmpty {
                let values = UnsafeMutablePointer<UnsafeMutablePointer<berval>?>.allocate(capacity: change.values.count + 1)
                for (position, value) in change.values.enumerated() {
                    let bytes = Array(value.utf8)
                    let buffer = malloc(max(bytes.count, 1))!
                    bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
                    allocated.append(buffer)
                    let element = UnsafeMutablePointer<berval>.allocate(capacity: 1)
                    element.initialize(to: berval(bv_len: ber_len_t(bytes.count), bv_val: buffer.assumingMemoryBound(to: CChar.self)))
                    values[position] = element
                }
                values[change.values.count] = nil
                mod.pointee.mod_vals.modv_bvals = values
            }
            mods[index] = mod
        }
        mods[changes.count] = nil
        defer {
            for index in 0..<changes.count {
                guard let mod = mods[index] else { continue }
                if let values = mod.pointee.mod_vals.modv_bvals {
                    var position = 0
                    while let element = values[position] {
                        element.deallocate()
                        position += 1
                    }
                    values.deallocate()
                }
                mod.deallocate()
            }
            mods.deallocate()
            allocated.forEach { free($0) }
        }
        return body(mods)
    }
}
