import Foundation

/// Time zones named from outside text (a record's `timezone`, a rendered `timezone:` field).
public enum TimeZoneName {
    /// The zone of an IANA name (`Europe/London`, `UTC`, `America/Argentina/Buenos_Aires`), or nil. Only
    /// ASCII letters, digits and `/_+-` up to 64 bytes are looked up: nothing else reaches Foundation.
    public static func zone(named name: String) -> TimeZone? {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 64, bytes.allSatisfy(isNameByte) else { return nil }
        return TimeZone(identifier: name)
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "/"), UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "-"): return true
        default: return false
        }
    }
}
