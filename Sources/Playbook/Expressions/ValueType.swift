/// The static type of an expression, as the type checker infers it.
public indirect enum ValueType: Sendable, Hashable, CustomStringConvertible {
    /// Not known before run time (a step output, an object field); compatible with everything.
    case any
    case null
    case bool
    case int
    case number
    case string
    case date
    case datetime
    case duration
    case list(ValueType)
    case object

    public var description: String {
        switch self {
        case .any: return "any"
        case .null: return "null"
        case .bool: return "bool"
        case .int: return "int"
        case .number: return "number"
        case .string: return "string"
        case .date: return "date"
        case .datetime: return "datetime"
        case .duration: return "duration"
        case .list(.any): return "list"
        case .list(let element): return "list of \(element)"
        case .object: return "object"
        }
    }

    /// The type name with "a" or "an" in front, for messages.
    public var withArticle: String {
        switch self {
        case .int, .any, .object: return "an \(description)"
        case .list: return "a \(description)"
        default: return "a \(description)"
        }
    }

    var isNumeric: Bool { self == .int || self == .number }

    /// Whether a value of type `other` may stand where `self` is expected.
    public func accepts(_ other: ValueType) -> Bool {
        switch (self, other) {
        case (.any, _), (_, .any), (_, .null): return true
        case (.number, .int): return true
        case (.list(let a), .list(let b)): return a.accepts(b)
        default: return self == other
        }
    }

    /// The type of a value that is either `self` or `other` (a ternary's branches), or nil when they clash.
    func joined(with other: ValueType) -> ValueType? {
        if self == other { return self }
        switch (self, other) {
        case (.any, _), (_, .any): return .any
        case (.null, let type), (let type, .null): return type
        case (.int, .number), (.number, .int): return .number
        case (.list(let a), .list(let b)): return a.joined(with: b).map { .list($0) } ?? .list(.any)
        default: return nil
        }
    }
}
