/// Resolves plain scalars by the YAML 1.2 core schema: only `true`/`false` are booleans, so
/// `country: NO` stays the string "NO", and `0o17`/`0x1F` are integers while `017` is decimal 17.
enum YAMLCoreSchema {
    enum Resolution {
        case value(ScalarValue)
        case integerOutOfRange
    }

    static func resolvePlain(_ text: String) -> Resolution {
        switch text {
        case "", "~", "null", "Null", "NULL": return .value(.null)
        case "true", "True", "TRUE": return .value(.bool(true))
        case "false", "False", "FALSE": return .value(.bool(false))
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .value(.float(.infinity))
        case "-.inf", "-.Inf", "-.INF": return .value(.float(-.infinity))
        case ".nan", ".NaN", ".NAN": return .value(.float(.nan))
        default: break
        }
        let utf8 = Array(text.utf8)
        if isDecimalInteger(utf8) {
            guard let value = Int(text) else { return .integerOutOfRange }
            return .value(.int(value))
        }
        if utf8.count > 2, utf8[0] == UInt8(ascii: "0") {
            let digits = String(decoding: utf8[2...], as: UTF8.self)
            if utf8[1] == UInt8(ascii: "o"), digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "7")).contains($0) }) {
                guard let value = Int(digits, radix: 8) else { return .integerOutOfRange }
                return .value(.int(value))
            }
            if utf8[1] == UInt8(ascii: "x"), digits.utf8.allSatisfy(isHexDigit) {
                guard let value = Int(digits, radix: 16) else { return .integerOutOfRange }
                return .value(.int(value))
            }
        }
        if isCoreFloat(utf8), let value = Double(text) { return .value(.float(value)) }
        return .value(.string(text))
    }

    /// `[-+]?[0-9]+`
    private static func isDecimalInteger(_ bytes: [UInt8]) -> Bool {
        var digits = bytes[...]
        if let first = digits.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") { digits = digits.dropFirst() }
        return !digits.isEmpty && digits.allSatisfy(isDigit)
    }

    /// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
    private static func isCoreFloat(_ bytes: [UInt8]) -> Bool {
        var index = 0
        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }
        if let sign = peek(), sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { index += 1 }
        var integerDigits = 0
        while let byte = peek(), isDigit(byte) { index += 1; integerDigits += 1 }
        var fractionDigits = 0
        if peek() == UInt8(ascii: ".") {
            index += 1
            while let byte = peek(), isDigit(byte) { index += 1; fractionDigits += 1 }
        }
        guard integerDigits > 0 || fractionDigits > 0 else { return false }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            index += 1
            if let sign = peek(), sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { index += 1 }
            var exponentDigits = 0
            while let byte = peek(), isDigit(byte) { index += 1; exponentDigits += 1 }
            guard exponentDigits > 0 else { return false }
        }
        return index == bytes.count
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }
}
