/// The type of a playbook input, checked when a leaver's record is bound.
public enum InputType: String, Sendable, Hashable, CaseIterable, Codable {
    case string, email, int, bool, date, datetime, duration, list, object, timezone

    /// The type expressions see (an email is a string to them).
    public var valueType: ValueType {
        switch self {
        case .string, .email, .timezone: return .string
        case .int: return .int
        case .bool: return .bool
        case .date: return .date
        case .datetime: return .datetime
        case .duration: return .duration
        case .list: return .list(.any)
        case .object: return .object
        }
    }
}

/// One declared input of a playbook: the leaver's record is checked against these.
public struct InputDeclaration: Sendable, Hashable {
    public var name: String
    public var type: InputType
    /// For lists, the type of each element, when declared.
    public var items: InputType?
    public var required: Bool
    public var defaultValue: Value?
    /// Allowed values, for strings.
    public var allowed: [String]?
    public var description: String?
    /// Personal data about the leaver (kept out of places that do not need it).
    public var personal: Bool
    public var location: SourceLocation

    public init(name: String, type: InputType, items: InputType? = nil, required: Bool = false, defaultValue: Value? = nil,
                allowed: [String]? = nil, description: String? = nil, personal: Bool = false, location: SourceLocation) {
        self.name = name
        self.type = type
        self.items = items
        self.required = required
        self.defaultValue = defaultValue
        self.allowed = allowed
        self.description = description
        self.personal = personal
        self.location = location
    }

    /// The static type expressions see for this input.
    public var valueType: ValueType {
        if type == .list, let items { return .list(items.valueType) }
        return type.valueType
    }
}
