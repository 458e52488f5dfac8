/// Parses expression text into an `Expression` by recursive descent.
///
/// Precedence, loosest first: `?:`, `||`, `&&`, `==` `!=`, `<` `<=` `>` `>=` `in`, `+` `-`,
/// unary `!` `-`, then `.field` and `[index]`. Nesting is bounded so no input exhausts the stack.
public struct ExpressionParser {
    /// Why an expression could not be parsed, and where.
    public struct ParseError: Error, Sendable, Hashable {
        public var message: String
        public var offset: Int
    }

    private var tokens: [ExpressionLexer.Token]
    private var position = 0
    private var depth = 0
    private var nodes = 0
    private static let maxDepth = 48
    /// Bounds the size of one expression, so checking and evaluating it (recursive) stay shallow.
    private static let maxNodes = 1_000

    /// Parses `text`, whose first byte sits at UTF-8 offset `baseOffset` in the template.
    public static func parse(_ text: String, baseOffset: Int = 0) throws(ParseError) -> Expression {
        try parse(Array(text.utf8)[...], baseOffset: baseOffset)
    }

    static func parse(_ bytes: ArraySlice<UInt8>, baseOffset: Int) throws(ParseError) -> Expression {
        let tokens: [ExpressionLexer.Token]
        do {
            tokens = try ExpressionLexer.tokenize(bytes, baseOffset: baseOffset)
        } catch {
            throw ParseError(message: error.message, offset: error.offset)
        }
        var parser = ExpressionParser(tokens: tokens)
        if case .end = parser.current.kind {
            throw ParseError(message: "empty expression", offset: baseOffset)
        }
        let expression = try parser.parseConditional()
        guard case .end = parser.current.kind else {
            throw ParseError(message: "unexpected \(parser.describe(parser.current)) after the expression", offset: parser.current.offset)
        }
        return expression
    }

    private init(tokens: [ExpressionLexer.Token]) { self.tokens = tokens }

    private var current: ExpressionLexer.Token { tokens[position] }

    private mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    private func isSymbol(_ symbol: String) -> Bool { current.kind == .symbol(symbol) }

    private func isKeyword(_ word: String) -> Bool { current.kind == .identifier(word) }

    private mutating func expect(_ symbol: String) throws(ParseError) {
        guard isSymbol(symbol) else {
            throw ParseError(message: "expected '\(symbol)' but found \(describe(current))", offset: current.offset)
        }
        advance()
    }

    private func describe(_ token: ExpressionLexer.Token) -> String {
        switch token.kind {
        case .identifier(let name): return "'\(name)'"
        case .int(let value): return "'\(value)'"
        case .number(let value): return "'\(value)'"
        case .string: return "a string"
        case .duration(let value): return "'\(value)'"
        case .symbol(let symbol): return "'\(symbol)'"
        case .end: return "the end of the expression"
        }
    }

    private mutating func nested<T>(_ body: (inout Self) throws(ParseError) -> T) throws(ParseError) -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else {
            throw ParseError(message: "expression is nested too deeply", offset: current.offset)
        }
        return try body(&self)
    }

    private mutating func parseConditional() throws(ParseError) -> Expression {
        try nested { (parser: inout Self) throws(ParseError) -> Expression in
            let condition = try parser.parseBinary(level: 0)
            guard parser.isSymbol("?") else { return condition }
            parser.advance()
            let whenTrue = try parser.parseConditional()
            try parser.expect(":")
            let whenFalse = try parser.parseConditional()
            return Expression(.conditional(condition, whenTrue, whenFalse), at: condition.offset)
        }
    }

    private static let levels: [[BinaryOperator]] = [
        [.or], [.and], [.equal, .notEqual], [.less, .lessOrEqual, .greater, .greaterOrEqual, .in], [.add, .subtract],
    ]

    private func binaryOperator(in level: [BinaryOperator]) -> BinaryOperator? {
        level.first { op in op == .in ? isKeyword("in") : isSymbol(op.rawValue) }
    }

    private mutating func parseBinary(level: Int) throws(ParseError) -> Expression {
        guard level < Self.levels.count else { return try parseUnary() }
        var lhs = try parseBinary(level: level + 1)
        let isComparison = level == 2 || level == 3
        while let op = binaryOperator(in: Self.levels[level]) {
            let operatorOffset = current.offset
            advance()
            let rhs = try parseBinary(level: level + 1)
            lhs = Expression(.binary(op, lhs, rhs), at: lhs.offset)
            if isComparison, let next = binaryOperator(in: Self.levels[level]) {
                throw ParseError(message: "comparisons do not chain; add parentheses around '\(op.rawValue)' or '\(next.rawValue)'", offset: operatorOffset)
            }
        }
        return lhs
    }

    private mutating func parseUnary() throws(ParseError) -> Expression {
        let offset = current.offset
        if isSymbol("!") || isSymbol("-") {
            let op: UnaryOperator = isSymbol("!") ? .not : .negate
            advance()
            let operand = try nested { (parser: inout Self) throws(ParseError) in try parser.parseUnary() }
            return Expression(.unary(op, operand), at: offset)
        }
        return try parsePostfix()
    }

    private mutating func parsePostfix() throws(ParseError) -> Expression {
        var expression = try parsePrimary()
        while true {
            if isSymbol(".") {
                advance()
                guard case .identifier(let name) = current.kind else {
                    throw ParseError(message: "expected a field name after '.' but found \(describe(current))", offset: current.offset)
                }
                let segment = PathSegment(name, at: current.offset)
                advance()
                if case .path(let segments) = expression.kind {
                    expression = Expression(.path(segments + [segment]), at: expression.offset)
                } else {
                    expression = Expression(.index(expression, Expression(.literal(.string(name)), at: segment.offset)), at: expression.offset)
                }
            } else if isSymbol("[") {
                advance()
                let index = try parseConditional()
                try expect("]")
                expression = Expression(.index(expression, index), at: expression.offset)
            } else {
                return expression
            }
        }
    }

    private mutating func parsePrimary() throws(ParseError) -> Expression {
        let token = current
        nodes += 1
        guard nodes <= Self.maxNodes else {
            throw ParseError(message: "expression is too long (more than \(Self.maxNodes) values)", offset: token.offset)
        }
        switch token.kind {
        case .int(let value):
            advance()
            return Expression(.literal(.int(value)), at: token.offset)
        case .number(let value):
            advance()
            return Expression(.literal(.number(value)), at: token.offset)
        case .string(let value):
            advance()
            return Expression(.literal(.string(value)), at: token.offset)
        case .duration(let value):
            advance()
            return Expression(.literal(.duration(value)), at: token.offset)
        case .identifier(let name):
            advance()
            switch name {
            case "true": return Expression(.literal(.bool(true)), at: token.offset)
            case "false": return Expression(.literal(.bool(false)), at: token.offset)
            case "null": return Expression(.literal(.null), at: token.offset)
            case "in": throw ParseError(message: "expected a value but found 'in'", offset: token.offset)
            default: return Expression(.path([PathSegment(name, at: token.offset)]), at: token.offset)
            }
        case .symbol("("):
            advance()
            let inner = try parseConditional()
            try expect(")")
            return inner
        case .symbol("["):
            advance()
            var items: [Expression] = []
            while !isSymbol("]") {
                items.append(try parseConditional())
                guard isSymbol(",") else { break }
                advance()
            }
            try expect("]")
            return Expression(.list(items), at: token.offset)
        case .symbol, .end:
            throw ParseError(message: "expected a value but found \(describe(token))", offset: token.offset)
        }
    }
}
