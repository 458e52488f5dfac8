/// The type a handler expects for one parameter.
public indirect enum ParameterType: Sendable, Hashable {
    case string
    case int
    case bool
    case duration
    case datetime
    case enumeration([String])
    case list(ParameterType)
    /// A mapping with free-form keys, every value of the given type.
    case map(ParameterType)
    case object(ParameterSchema)
    case oneOf([ParameterType])
    case any

    /// How the type reads in an error message.
    public var description: String {
        switch self {
        case .string: return "a string"
        case .int: return "an integer"
        case .bool: return "true or false"
        case .duration: return "a duration (such as 30s, 5m, 2h, 1d)"
        case .datetime: return "a date-time (such as 2026-12-04T17:30:00Z)"
        case .enumeration(let values): return "one of " + values.map { "'\($0)'" }.joined(separator: ", ")
        case .list(let element): return "a list of \(element.pluralDescription)"
        case .map: return "a mapping"
        case .object: return "a mapping"
        case .oneOf(let types): return types.map(\.description).joined(separator: " or ")
        case .any: return "any value"
        }
    }

    var pluralDescription: String {
        switch self {
        case .string: return "strings"
        case .int: return "integers"
        case .object, .map: return "mappings"
        default: return "values (\(description))"
        }
    }

    /// Whether an expression of static type `type` may fill this parameter.
    func accepts(expressionType type: ValueType) -> Bool {
        switch self {
        case .any: return true
        case .string, .enumeration: return type != .object && !isList(type)
        case .int: return ValueType.int.accepts(type)
        case .bool: return ValueType.bool.accepts(type)
        case .duration: return ValueType.duration.accepts(type)
        case .datetime: return ValueType.datetime.accepts(type) || type == .date
        case .list(let element): return type == .any || (isList(type) && element.acceptsElement(of: type))
        case .map, .object: return ValueType.object.accepts(type)
        case .oneOf(let types): return types.contains { $0.accepts(expressionType: type) }
        }
    }

    private func acceptsElement(of type: ValueType) -> Bool {
        guard case .list(let element) = type else { return true }
        return accepts(expressionType: element)
    }

    private func isList(_ type: ValueType) -> Bool {
        if case .list = type { return true }
        return false
    }
}

/// One parameter a handler takes.
public struct ParameterField: Sendable, Hashable {
    public var name: String
    public var type: ParameterType
    public var required: Bool
    public var description: String
    /// The value is a credential: it may hold `${secret:NAME}` and a literal value is warned about.
    public var sensitive: Bool
    /// The value may hold `${secret:NAME}` (it never reaches the journal or a log).
    public var acceptsSecrets: Bool
    public var defaultValue: JSONValue?

    public init(_ name: String, _ type: ParameterType, required: Bool = false, description: String,
                sensitive: Bool = false, acceptsSecrets: Bool = false, default defaultValue: JSONValue? = nil) {
        self.name = name
        self.type = type
        self.required = required
        self.description = description
        self.sensitive = sensitive
        self.acceptsSecrets = acceptsSecrets || sensitive
        self.defaultValue = defaultValue
    }
}

/// The parameters a handler accepts under `with:`, checked by `offboard validate`.
public struct ParameterSchema: Sendable, Hashable {
    public var fields: [ParameterField]
    /// Groups of which exactly one field must be given (for example `until` or `for`).
    public var exactlyOneOf: [[String]]
    /// Groups of which at least one field must be given.
    public var atLeastOneOf: [[String]]

    public init(_ fields: [ParameterField], exactlyOneOf: [[String]] = [], atLeastOneOf: [[String]] = []) {
        self.fields = fields
        self.exactlyOneOf = exactlyOneOf
        self.atLeastOneOf = atLeastOneOf
    }

    public func field(_ name: String) -> ParameterField? { fields.first { $0.name == name } }
}

/// The handler types known to validation and their parameter schemas.
public protocol HandlerCatalog: Sendable {
    /// The schema for `uses: type`, or nil when no handler of that type is registered.
    func parameterSchema(for type: String) -> ParameterSchema?
    /// Every registered type, for suggestions and the published JSON Schema.
    var handlerTypes: [String] { get }
}
