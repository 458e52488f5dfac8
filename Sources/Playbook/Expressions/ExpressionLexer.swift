/// Splits expression text into tokens; offsets count characters from the start of the template.
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

    static func tokenize(_ characters: [Character], baseOffset: Int) throws(LexError) -> [Token] {
        var tokens: [Token] = []
        var index = 0
        func peek(_ ahead: Int = 0) -> Character? { index + ahead < characters.count ? characters[index + ahead] : nil }
        while let character = peek() {
            let start = index
            if character.isWhitespace {
                index += 1
            } else if character.isLetter || character == "_" {
                while let next = peek(), next.isLetter || next.isNumber || next == "_"
                    || (next == "-" && (peek(1).map { $0.isLetter || $0.isNumber } ?? false)) {
                    index += 1
                }
                tokens.append(Token(kind: .identifier(String(characters[start..<index])), offset: baseOffset + start))
            } else if character.isASCII, character.isNumber {
                while let next = peek(), next.isASCII, next.isNumber { index += 1 }
                var isFraction = false
                if peek() == ".", let after = peek(1), after.isASCII, after.isNumber {
                    isFraction = true
                    index += 1
                    while let next = peek(), next.isASCII, next.isNumber { index += 1 }
                }
                if !isFraction, let unit = peek(), "smhdw".contains(unit) {
                    while let next = peek(), next.isASCII, next.isNumber || "smhdw".contains(next) { index += 1 }
                    let text = String(characters[start..<index])
                    guard let duration = PlaybookDuration(parsing: text) else {
                        throw LexError(message: "'\(text)' is not a duration (write for example 90s, 15m, 1h30m, 5d, 2w)", offset: baseOffset + start)
                    }
                    tokens.append(Token(kind: .duration(duration), offset: baseOffset + start))
                    continue
                }
                if let next = peek(), next.isLetter {
                    throw LexError(message: "unexpected '\(next)' after a number", offset: baseOffset + index)
                }
                let text = String(characters[start..<index])
                if isFraction, let value = Double(text) {
                    tokens.append(Token(kind: .number(value), offset: baseOffset + start))
                } else if let value = Int(text) {
                    tokens.append(Token(kind: .int(value), offset: baseOffset + start))
                } else {
                    throw LexError(message: "number \(text) is out of range", offset: baseOffset + start)
                }
            } else if character == "\"" || character == "'" {
                index += 1
                var text = ""
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
                tokens.append(Token(kind: .string(text), offset: baseOffset + start))
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

    private static func matches(_ symbol: String, _ characters: [Character], at index: Int) -> Bool {
        var position = index
        for character in symbol {
            guard position < characters.count, characters[position] == character else { return false }
            position += 1
        }
        return true
    }
}
