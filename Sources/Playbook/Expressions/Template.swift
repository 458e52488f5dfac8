/// A string scalar with `{{ expression }}` parts and `${secret:NAME}` references.
///
/// A template that is exactly one `{{ … }}` evaluates to the expression's typed value (a datetime,
/// a list); any other template renders to text. Secrets stay references until a handler executes.
/// Offsets are UTF-8 byte offsets into the text.
public struct Template: Sendable, Hashable {
    /// One piece of a template.
    public enum Segment: Sendable, Hashable {
        case text(String)
        /// An expression and its source text (between the braces, trimmed).
        case expression(Expression, source: String)
        case secret(name: String, offset: Int)
    }

    /// Why a template could not be parsed, and where (UTF-8 bytes from the start of the text).
    public struct ParseError: Error, Sendable, Hashable {
        public var message: String
        public var offset: Int
    }

    public var source: String
    public var segments: [Segment]

    private static let open = Array("{{".utf8), close = Array("}}".utf8), secretOpen = Array("${secret".utf8)

    /// True when the text holds template syntax worth parsing (one pass over its bytes).
    public static func containsSyntax(_ text: String) -> Bool {
        var previous: UInt8 = 0
        var sawDollarBrace = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: "{") {
                if previous == UInt8(ascii: "{") { return true }
                if previous == UInt8(ascii: "$") { sawDollarBrace = true }
            } else if byte == UInt8(ascii: "}"), previous == UInt8(ascii: "}") {
                return true
            }
            previous = byte
        }
        return sawDollarBrace && text.contains("${secret")
    }

    /// True when the text holds `{{` (one pass over its bytes).
    public static func containsOpeningBraces(_ text: String) -> Bool {
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "{"), previous == UInt8(ascii: "{") { return true }
            previous = byte
        }
        return false
    }

    /// The single expression when the whole text is one `{{ … }}` (surrounding spaces allowed).
    public var singleExpression: Expression? {
        let meaningful = segments.filter { if case .text(let text) = $0 { return !text.allSatisfy(\.isWhitespace) } else { return true } }
        guard meaningful.count == 1, case .expression(let expression, _) = meaningful[0] else { return nil }
        return expression
    }

    /// Every expression in the template.
    public var expressions: [Expression] {
        segments.compactMap { if case .expression(let expression, _) = $0 { return expression } else { return nil } }
    }

    /// Names of the secrets the template references.
    public var secretNames: [String] {
        segments.compactMap { if case .secret(let name, _) = $0 { return name } else { return nil } }
    }

    public static func parse(_ text: String) throws(ParseError) -> Template {
        let bytes = Array(text.utf8)
        var segments: [Segment] = []
        var literalStart = 0
        var index = 0
        func flush(upTo end: Int) {
            if end > literalStart { segments.append(.text(String(decoding: bytes[literalStart..<end], as: UTF8.self))) }
        }
        while index < bytes.count {
            if bytes[index...].starts(with: open) {
                guard let closing = closingBraces(bytes, from: index + 2) else {
                    throw ParseError(message: "'{{' is not closed by '}}'", offset: index)
                }
                flush(upTo: index)
                var innerStart = index + 2, innerEnd = closing
                while innerStart < innerEnd, ASCII.isSpace(bytes[innerStart]) { innerStart += 1 }
                while innerEnd > innerStart, ASCII.isSpace(bytes[innerEnd - 1]) { innerEnd -= 1 }
                do {
                    let expression = try ExpressionParser.parse(bytes[innerStart..<innerEnd], baseOffset: innerStart)
                    segments.append(.expression(expression, source: String(decoding: bytes[innerStart..<innerEnd], as: UTF8.self)))
                } catch {
                    throw ParseError(message: error.message, offset: error.offset)
                }
                index = closing + 2
                literalStart = index
            } else if bytes[index...].starts(with: secretOpen) {
                flush(upTo: index)
                let start = index
                guard let closing = bytes[index...].firstIndex(of: UInt8(ascii: "}")) else {
                    throw ParseError(message: "'${secret:' is not closed by '}'", offset: start)
                }
                let body = String(decoding: bytes[(index + 2)..<closing], as: UTF8.self)
                guard body.hasPrefix("secret:") else {
                    throw ParseError(message: "a secret reference is written ${secret:NAME}", offset: start)
                }
                let name = String(body.dropFirst("secret:".count))
                guard isSecretName(name) else {
                    throw ParseError(message: "'\(name)' is not a valid secret name (letters, digits and _, not starting with a digit)", offset: start + 9)
                }
                segments.append(.secret(name: name, offset: start))
                index = closing + 1
                literalStart = index
            } else if bytes[index...].starts(with: close) {
                throw ParseError(message: "'}}' without an opening '{{'", offset: index)
            } else {
                index += 1
            }
        }
        flush(upTo: bytes.count)
        return Template(source: text, segments: segments)
    }

    static func isSecretName(_ name: String) -> Bool { ASCII.isName(name, underscoreFirst: true) }

    /// The index of the `}}` that closes an expression, skipping braces inside string literals.
    private static func closingBraces(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        var quote: UInt8?
        while index < bytes.count {
            let byte = bytes[index]
            if let open = quote {
                if byte == UInt8(ascii: "\\") { index += 1 } else if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if bytes[index...].starts(with: close) {
                return index
            }
            index += 1
        }
        return nil
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var text = Substring(self)
        while text.unicodeScalars.first?.properties.isWhitespace == true { text = text.dropFirst() }
        while text.unicodeScalars.last?.properties.isWhitespace == true { text = text.dropLast() }
        return String(text)
    }
}
