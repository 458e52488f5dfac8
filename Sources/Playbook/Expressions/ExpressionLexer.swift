/// Splits expression text into tokens. Offsets count Unicode scalars from the start of the template,
/// as libyaml counts columns.
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

    private static let symbols = ["==", "!=", "<=", ">=", "&&", "||", "!", "<", ">", "+", "-", "?", ":", "(", ")", "[", "]", ",", "."]

    static func tokenize(_ characters: [Unicode.Scalar], baseOffset: Int) throws(LexError) -> [Token] {
        var tokens: [Token] = []
        var index = 0
        func peek(_ ahead: Int = 0) -> Unicode.Scalar? { index + ahead < characters.count ? characters[index + ahead] : nil }
        while let character = peek() {
            let start = index
            if character.properties.isWhitespace {
                index += 1
            } else if isLetter(character) || character == "_" {
                while let next = peek(), isLetter(next) || isDigit(next) || next == "_"
                    || (next == "-" && (peek(1).map { isLetter($0) || isDigit($0) } ?? false)) {
                    index += 1
                }
                tokens.append(Token(kind: .identifier(text(characters[start..<index])), offset: baseOffset + start))
            } else if isDigit(character) {
                while let next = peek(), isDigit(next) { index += 1 }
                var isFraction = false
                if peek() == ".", let after = peek(1), isDigit(after) {
                    isFraction = true
                    index += 1
                    while let next = peek(), isDigit(next) { index += 1 }
                }
                if !isFraction, let unit = peek(), isDurationUnit(unit) {
                    while let next = peek(), isDigit(next) || isDurationUnit(next) { index += 1 }
                    let text = text(characters[start..<index])
                    guard let duration = PlaybookDuration(parsing: text) else {
                        throw LexError(message: "'\(text)' is not a duration (write for example 90s, 15m, 1h30m, 5d, 2w)", offset: baseOffset + start)
                    }
                    tokens.append(Token(kind: .duration(duration), offset: baseOffset + start))
                    continue
                }
                if let next = peek(), isLetter(next) {
                    throw LexError(message: "unexpected '\(next)' after a number", offset: baseOffset + index)
                }
                let text = text(characters[start..<index])
                if isFraction, let value = Double(text) {
                    tokens.append(Token(kind: .number(value), offset: baseOffset + start))
                } else if let value = Int(text) {
                    tokens.append(Token(kind: .int(value), offset: baseOffset + start))
                } else {
                    throw LexError(message: "number \(text) is out of range", offset: baseOffset + start)
                }
            } else if character == "\"" || character == "'" {
                index += 1
                var text = String.UnicodeScalarView()
                var closed = false
                while let next = peek() {
                    index += 1
                    if next == character { closed = true; break }
                    if next == "\\", let escaped = peek() {
                        index += 1
                        switch escaped {
                        case "n": text.append("\n")
                        case "t": text.append("\t")
                        default: text.append(escaped)
                        }
                    } else {
                        text.append(next)
                    }
                }
                guard closed else { throw LexError(message: "unterminated string literal", offset: baseOffset + start) }
                tokens.append(Token(kind: .string(String(text)), offset: baseOffset + start))
            } else if let symbol = symbols.first(where: { matches($0, characters, at: index) }) {
                index += symbol.count
                tokens.append(Token(kind: .symbol(symbol), offset: baseOffset + start))
            } else if character == "=" {
                throw LexError(message: "unexpected '='; compare with '=='", offset: baseOffset + start)
            } else {
                throw LexError(message: "unexpected character '\(character)'", offset: baseOffset + start)
            }
        }
        tokens.append(Token(kind: .end, offset: baseOffset + characters.count))
        return tokens
    }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") : scalar.properties.isAlphabetic
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { scalar >= "0" && scalar <= "9" }

    private static func isDurationUnit(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "s" || scalar == "m" || scalar == "h" || scalar == "d" || scalar == "w"
    }

    private static func text(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    private static func matches(_ symbol: String, _ characters: [Unicode.Scalar], at index: Int) -> Bool {
        var position = index
        for character in symbol.unicodeScalars {
            guard position < characters.count, characters[position] == character else { return false }
            position += 1
        }
        return true
    }
}
