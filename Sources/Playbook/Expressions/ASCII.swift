/// Byte classes for scanning UTF-8 text whose syntax is ASCII (expressions, templates, names).
enum ASCII {
    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }

    /// Letters, digits, `_` and any of `extra`, starting with a letter (or `_` when `underscoreFirst`).
    static func isName(_ text: String, extra: [UInt8] = [], underscoreFirst: Bool = false, maxLength: Int = .max) -> Bool {
        let bytes = text.utf8
        guard let first = bytes.first, isLetter(first) || (underscoreFirst && first == UInt8(ascii: "_")), bytes.count <= maxLength else { return false }
        return bytes.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") || extra.contains($0) }
    }
}
