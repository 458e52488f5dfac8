/// A node of a composed YAML document; every node keeps the place it was written.
public struct YAMLNode: Sendable, Hashable {
    /// What a node holds.
    public enum Content: Sendable, Hashable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    public var content: Content
    /// Where the node starts.
    public var location: SourceLocation

    public init(_ content: Content, at location: SourceLocation) {
        self.content = content
        self.location = location
    }

    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    public var mapping: [YAMLPair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// The scalar's text if this node is a string scalar (quoted, or plain and not another type).
    public var string: String? {
        guard let scalar, case .string(let text) = scalar.value else { return nil }
        return text
    }

    /// The value for `key` in a mapping node.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.scalar?.text == key }?.value
    }

    /// A short name of the node's kind for error messages ("a mapping", "the string \"x\"").
    /// What kind of node this is, without its value ("a string", "an integer"): for messages about a leaver's
    /// record, which never repeat what a field holds.
    public var kindName: String {
        switch content {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar):
            switch scalar.value {
            case .null: return "null"
            case .bool: return "a boolean"
            case .int: return "an integer"
            case .float: return "a number"
            case .string: return "a string"
            }
        }
    }

    public var kindDescription: String {
        switch content {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar): return scalar.value.kindDescription
        }
    }
}

/// One `key: value` entry of a mapping, in the order written.
public struct YAMLPair: Sendable, Hashable {
    public var key: YAMLNode
    public var value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }

    /// The key's text (keys are always scalars).
    public var name: String { key.scalar?.text ?? "" }
}

/// A scalar as written and as resolved by the YAML 1.2 core schema.
public struct YAMLScalar: Sendable, Hashable {
    /// How the scalar was written.
    public enum Style: String, Sendable, Hashable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    public var text: String
    public var style: Style
    public var value: ScalarValue
    /// True when each character of `text` sits at its own column on the scalar's line, so a position
    /// inside the text maps to a column in the file (single-line scalars without escapes).
    public var columnsMapOneToOne: Bool

    public init(text: String, style: Style, value: ScalarValue, columnsMapOneToOne: Bool) {
        self.text = text
        self.style = style
        self.value = value
        self.columnsMapOneToOne = columnsMapOneToOne
    }

    /// Characters between the node's location and the first character of `text`.
    public var leadingDelimiterWidth: Int {
        switch style {
        case .singleQuoted, .doubleQuoted: return 1
        default: return 0
        }
    }
}

/// A scalar's resolved value.
public enum ScalarValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)

    var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return "the boolean \(value)"
        case .int(let value): return "the integer \(value)"
        case .float(let value): return "the number \(value)"
        case .string(let value): return "the string \"\(value.count > 40 ? String(value.prefix(40)) + "…" : value)\""
        }
    }
}
