/// A string scalar with `{{ expression }}` parts and `${secret:NAME}` references.
///
/// A template that is exactly one `{{ … }}` evaluates to the expression's typed value (a datetime,
/// a list); any other template renders to text. Secrets stay references until a handler executes.
public struct Template: Sendable, Hashable {
    /// One piece of a template.
    public enum Segment: Sendable, Hashable {
        case text(String)
        /// An expression and its source text (between the braces, trimmed).
        case expression(Expression, source: String)
        case secret(name: String, offset: Int)
    }

    /// Why a template could not be parsed, and where (characters from the start of the text).
    public struct ParseError: Error, Sendable, Hashable {
        public var message: String
        public var offset: Int
    }

    public var source: String
    public var segments: [Segment]

    /// True when the text holds template syntax worth parsing.
    public static func containsSyntax(_ text: String) -> Bool {
        text.contains("{{") || text.contains("${secret") || text.contains("}}")
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
        let characters = Array(text.unicodeScalars)
        var segments: [Segment] = []
        var literal = String.UnicodeScalarView()
        var index = 0
        func flush() {
            if !literal.isEmpty { segments.append(.text(String(literal))) }
            literal = String.UnicodeScalarView()
        }
        func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars)
            return String(view)
        }
        while index < characters.count {
            if hasPrefix("{{", characters, at: index) {
                let start = index
                guard let close = closingBraces(characters, from: index + 2) else {
                    throw ParseError(message: "'{{' is not closed by '}}'", offset: start)
                }
                flush()
                let inner = string(characters[(index + 2)..<close])
                let leading = inner.unicodeScalars.prefix { $0.properties.isWhitespace }.count
                let trimmed = inner.trimmingWhitespace()
                do {
                    let expression = try ExpressionParser.parse(trimmed, baseOffset: index + 2 + leading)
                    segments.append(.expression(expression, source: trimmed))
                } catch {
                    throw ParseError(message: error.message, offset: error.offset)
                }
                index = close + 2
            } else if hasPrefix("${secret", characters, at: index) {
                flush()
                let start = index
                guard let close = characters[index...].firstIndex(of: "}") else {
                    throw ParseError(message: "'${secret:' is not closed by '}'", offset: start)
                }
                let body = string(characters[(index + 2)..<close])
                guard body.hasPrefix("secret:") else {
                    throw ParseError(message: "a secret reference is written ${secret:NAME}", offset: start)
                }
                let name = String(body.dropFirst("secret:".count))
                guard isSecretName(name) else {
                    throw ParseError(message: "'\(name)' is not a valid secret name (letters, digits and _, not starting with a digit)", offset: start + 9)
                }
                segments.append(.secret(name: name, offset: start))
                index = close + 1
            } else if hasPrefix("}}", characters, at: index) {
                throw ParseError(message: "'}}' without an opening '{{'", offset: index)
            } else {
                literal.append(characters[index])
                index += 1
            }
        }
        flush()
        return Template(source: text, segments: segments)
    }

    static func isSecretName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    private static func hasPrefix(_ prefix: String, _ characters: [Unicode.Scalar], at index: Int) -> Bool {
        var position = index
        for character in prefix.unicodeScalars {
            guard position < characters.count, characters[position] == character else { return false }
            position += 1
        }
        return true
    }

    /// The index of the `}}` that closes an expression, skipping braces inside string literals.
    private static func closingBraces(_ characters: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start
        var quote: Unicode.Scalar?
        while index < characters.count {
            let character = characters[index]
            if let open = quote {
                if character == "\\" { index += 1 } else if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if hasPrefix("}}", characters, at: index) {
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
