/// A parsed `{{ … }}` expression; every node keeps its character offset in the template text so
/// errors point at the exact column.
public struct Expression: Sendable, Hashable {
    /// The shapes an expression can take.
    public indirect enum Kind: Sendable, Hashable {
        case literal(Value)
        /// `inputs.email`, `item.asset_tag`, `steps.fetch.output.id`, `now`.
        case path([PathSegment])
        case unary(UnaryOperator, Expression)
        case binary(BinaryOperator, Expression, Expression)
        case conditional(Expression, Expression, Expression)
        case list([Expression])
        /// `base[index]`
        case index(Expression, Expression)
    }

    public var kind: Kind
    /// UTF-8 bytes from the start of the template text to this expression.
    public var offset: Int

    public init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    /// Every path the expression reads, in source order.
    public var paths: [[PathSegment]] {
        switch kind {
        case .literal: return []
        case .path(let segments): return [segments]
        case .unary(_, let operand): return operand.paths
        case .binary(_, let lhs, let rhs): return lhs.paths + rhs.paths
        case .conditional(let c, let a, let b): return c.paths + a.paths + b.paths
        case .list(let items): return items.flatMap(\.paths)
        case .index(let base, let index): return base.paths + index.paths
        }
    }
}

/// One name in a dotted path, with its offset.
public struct PathSegment: Sendable, Hashable {
    public var name: String
    public var offset: Int

    public init(_ name: String, at offset: Int) {
        self.name = name
        self.offset = offset
    }
}

/// `!` and unary `-`.
public enum UnaryOperator: String, Sendable, Hashable {
    case not = "!"
    case negate = "-"
}

/// The binary operators, loosest-binding last in the parser's table.
public enum BinaryOperator: String, Sendable, Hashable {
    case or = "||"
    case and = "&&"
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case `in` = "in"
    case add = "+"
    case subtract = "-"
}
