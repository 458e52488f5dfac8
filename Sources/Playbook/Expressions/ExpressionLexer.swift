/// Splits expression text into tokens. It scans UTF-8 bytes (every piece of syntax is ASCII);
/// offsets are byte offsets from the start of the template, turned into columns only when a
/// diagnostic is reported (`SourceText.location(at:)`).
struct ExpressionLexer {
    enum TokenKind: Equatable {
        case identifier(String)
        case int(Int)
        case number(Double)
        case string(String)
        case duration(PlaybookDuration)
        case symbol(String)
        case end
    }

    struct Token: Equatable {
        var kind: TokenKind
        var offset: Int
    }

    struct LexError: Error {
        var message: String
        var offset: Int
    }

    private static let symbols: [(text: String, bytes: [UInt8])] = ["==", "!=", "<=", ">=", "&&", "||", "!", "<", ">", "+", "-", "?", ":", "(", ")", "[", "]", ",", "."]
        .map { ($0, Array($0.utf8)) }

    static func tokenize(_ bytes: ArraySlice<UInt8>, baseOffset: Int) throws(LexError) -> [Token] {
        var tokens: [Token] = []
        var index = bytes.startIndex
        let origin = bytes.startIndex - baseOffset
        func peek(_ ahead: Int = 0) -> UInt8? { index + ahead < bytes.endIndex ? bytes[index + ahead] : nil }
        func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        while let byte = peek() {
            let start = index
            let offset = start - origin
            if ASCII.isSpace(byte) {
                index += 1
            } else if ASCII.isLetter(byte) || byte == UInt8(ascii: "_") {
                while let next = peek(), ASCII.isLetter(next) || ASCII.isDigit(next) || next == UInt8(ascii: "_")
                    || (next == UInt8(ascii: "-") && (peek(1).map { ASCII.isLetter($0) || ASCII.isDigit($0) } ?? false)) {
                    index += 1
                }
                tokens.append(Token(kind: .identifier(text(start..<index)), offset: offset))
            } else if ASCII.isDigit(byte) {
                while let next = peek(), ASCII.isDigit(next) { index += 1 }
                var isFraction = false
                if peek() == UInt8(ascii: "."), let after = peek(1), ASCII.isDigit(after) {
                    isFraction = true
                    index += 1
                    while let next = peek(), ASCII.isDigit(next) { index += 1 }
                }
                if !isFraction, let unit = peek(), isDurationUnit(unit) {
                    while let next = peek(), ASCII.isDigit(next) || isDurationUnit(next) { index += 1 }
                    let literal = text(start..<index)
                    guard let duration = PlaybookDuration(parsing: literal) else {
                        throw LexError(message: "'\(literal)' is not a duration (write for example 90s, 15m, 1h30m, 5d, 2w)", offset: offset)
                    }
                    tokens.append(Token(kind: .duration(duration), offset: offset))
                    continue
                }
                if let next = peek(), ASCII.isLetter(next) {
                    throw LexError(message: "unexpected '\(Unicode.Scalar(next))' after a number", offset: index - origin)
                }
                let literal = text(start..<index)
                if isFraction, let value = Double(literal) {
                    tokens.append(Token(kind: .number(value), offset: offset))
                } else if let value = Int(literal) {
                    tokens.append(Token(kind: .int(value), offset: offset))
                } else {
                    throw LexError(message: "number \(literal) is out of range", offset: offset)
                }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                index += 1
                var literal: [UInt8] = []
                var closed = false
                while let next = peek() {
                    index += 1
                    if next == byte { closed = true; break }
                    if next == UInt8(ascii: "\\"), let escaped = peek() {
                        index += 1
                        switch escaped {
                        case UInt8(ascii: "n"): literal.append(UInt8(ascii: "\n"))
                        case UInt8(ascii: "t"): literal.append(UInt8(ascii: "\t"))
                        default: literal.append(escaped)
                        }
                    } else {
                        literal.append(next)
                    }
                }
                guard closed else { throw LexError(message: "unterminated string literal", offset: offset) }
                tokens.append(Token(kind: .string(String(decoding: literal, as: UTF8.self)), offset: offset))
            } else if let symbol = symbols.first(where: { bytes[index...].starts(with: $0.bytes) }) {
                index += symbol.bytes.count
                tokens.append(Token(kind: .symbol(symbol.text), offset: offset))
            } else if byte == UInt8(ascii: "=") {
                throw LexError(message: "unexpected '='; compare with '=='", offset: offset)
            } else {
                let scalar = String(decoding: bytes[index...].prefix(4), as: UTF8.self).unicodeScalars.first.map { String($0) } ?? "?"
                throw LexError(message: "unexpected character '\(scalar)'", offset: offset)
            }
        }
        tokens.append(Token(kind: .end, offset: index - origin))
        return tokens
    }

    private static func isDurationUnit(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "s") || byte == UInt8(ascii: "m") || byte == UInt8(ascii: "h") || byte == UInt8(ascii: "d") || byte == UInt8(ascii: "w")
    }
}
