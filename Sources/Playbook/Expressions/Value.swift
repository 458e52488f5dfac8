import Foundation

/// A value an expression evaluates to, or a rendered step parameter.
public indirect enum Value: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case date(LocalDate)
    case datetime(Date)
    case duration(PlaybookDuration)
    case list([Value])
    case object([String: Value])
    /// Text that contains `${secret:NAME}` references, kept unresolved.
    case secret(SecretText)
    /// A value only known while the run executes (a step's output, during a dry run); holds the
    /// expression's source so a plan can show what will be filled in.
    case unknown(String)

    /// The static type of this value.
    public var type: ValueType {
        switch self {
        case .null: return .null
        case .bool: return .bool
        case .int: return .int
        case .number: return .number
        case .string, .secret: return .string
        case .date: return .date
        case .datetime: return .datetime
        case .duration: return .duration
        case .list(let items):
            let types = Set(items.map(\.type))
            return .list(types.count == 1 ? types.first! : .any)
        case .object: return .object
        case .unknown: return .any
        }
    }

    /// True when the value, or any value inside it, is not known until run time.
    public var containsUnknown: Bool {
        switch self {
        case .unknown: return true
        case .list(let items): return items.contains { $0.containsUnknown }
        case .object(let fields): return fields.values.contains { $0.containsUnknown }
        default: return false
        }
    }

    /// Converts a scalar read from YAML.
    public init(_ scalar: ScalarValue) {
        switch scalar {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .int(let value): self = .int(value)
        case .float(let value): self = .number(value)
        case .string(let value): self = .string(value)
        }
    }
}

/// Text with secret references: literal parts and `${secret:NAME}` parts, resolved only when a
/// handler executes, so neither a plan nor a log ever sees the value.
public struct SecretText: Sendable, Hashable {
    /// One piece of the text.
    public enum Part: Sendable, Hashable {
        case text(String)
        case secret(String)
    }

    public var parts: [Part]

    public init(parts: [Part]) { self.parts = parts }

    /// The text with each secret shown as its reference, as plans print it.
    public var masked: String {
        parts.map { part in
            switch part {
            case .text(let text): return text
            case .secret(let name): return "${secret:\(name)}"
            }
        }.joined()
    }

    /// Names of the secrets referenced.
    public var secretNames: [String] {
        parts.compactMap { if case .secret(let name) = $0 { return name } else { return nil } }
    }
}

extension Value {
    /// The moment a time value stands for: a datetime itself, a date as its start in `timeZone`; nil for any other.
    public func instant(in timeZone: TimeZone) -> Date? {
        switch self {
        case .datetime(let date): return date
        case .date(let date): return date.startOfDay(in: timeZone)
        case .null, .bool, .int, .number, .string, .duration, .list, .object, .secret, .unknown: return nil
        }
    }
}
