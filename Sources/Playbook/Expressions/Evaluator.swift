import Foundation

/// The values an expression reads while it is evaluated.
public struct EvaluationScope: Sendable {
    public var inputs: [String: Value]
    public var item: Value?
    /// Step outputs by step id; nil during a dry run, when outputs are not known yet.
    public var stepOutputs: [String: Value]?
    /// Where each access-removal step stands (`steps.ID.removal`: removed, already_absent, skipped,
    /// failed, not_run, unreported); nil during a dry run.
    public var stepRemovals: [String: String]?
    public var now: Date
    /// The leaver's zone: dates are read and written in it.
    public var timeZone: TimeZone
    /// An HR system's event (`event.FIELD`), for the hook mappings; nil in playbooks.
    public var event: Value?
    /// A field or index that is not there reads as null instead of failing (hook mappings: payloads vary).
    public var missingIsNull = false

    public init(inputs: [String: Value], item: Value? = nil, stepOutputs: [String: Value]? = nil, stepRemovals: [String: String]? = nil,
                now: Date, timeZone: TimeZone = .gmt) {
        self.inputs = inputs
        self.item = item
        self.stepOutputs = stepOutputs
        self.stepRemovals = stepRemovals
        self.now = now
        self.timeZone = timeZone
    }
}

/// Why evaluation failed (a missing value, an index out of range), at a character offset.
public struct EvaluationError: Error, Sendable, Hashable {
    public var message: String
    public var offset: Int
}

/// Evaluates checked expressions. Unknown values (step outputs in a dry run) propagate as `.unknown`.
public enum Evaluator {
    public static func evaluate(_ expression: Expression, in scope: EvaluationScope) throws(EvaluationError) -> Value {
        switch expression.kind {
        case .literal(let value):
            return value
        case .path(let segments):
            return try lookup(segments, in: scope)
        case .list(let items):
            var values: [Value] = []
            for item in items { values.append(try evaluate(item, in: scope)) }
            return .list(values)
        case .index(let base, let index):
            let container = try evaluate(base, in: scope), key = try evaluate(index, in: scope)
            if scope.missingIsNull {
                switch (container, key) {
                case (.list(let items), .int(let position)): return items.indices.contains(position) ? items[position] : .null
                case (.object(let fields), .string(let name)): return fields[name] ?? .null
                case (.unknown, _), (_, .unknown): break
                default: return .null
                }
            }
            return try subscriptValue(container, key, at: index.offset)
        case .unary(let op, let operand):
            let value = try evaluate(operand, in: scope)
            switch (op, value) {
            case (_, .unknown): return .unknown("")
            case (.not, .bool(let flag)): return .bool(!flag)
            case (.negate, .int(let number)):
                let (negated, overflow) = 0.subtractingReportingOverflow(number)
                guard !overflow else { throw EvaluationError(message: "integer overflow", offset: expression.offset) }
                return .int(negated)
            case (.negate, .number(let number)): return .number(-number)
            case (.negate, .duration(let duration)): return .duration(PlaybookDuration(seconds: -duration.seconds))
            default: throw EvaluationError(message: "'\(op.rawValue)' cannot be applied to \(describe(value))", offset: expression.offset)
            }
        case .conditional(let condition, let whenTrue, let whenFalse):
            switch try evaluate(condition, in: scope) {
            case .bool(true): return try evaluate(whenTrue, in: scope)
            case .bool(false): return try evaluate(whenFalse, in: scope)
            case .unknown: return .unknown("")
            case let other: throw EvaluationError(message: "the condition is \(describe(other)), not a bool", offset: condition.offset)
            }
        case .binary(.and, let lhs, let rhs):
            let left = try evaluate(lhs, in: scope)
            if case .bool(false) = left { return .bool(false) }
            return try logical(.and, left, try evaluate(rhs, in: scope), at: rhs.offset)
        case .binary(.or, let lhs, let rhs):
            let left = try evaluate(lhs, in: scope)
            if case .bool(true) = left { return .bool(true) }
            return try logical(.or, left, try evaluate(rhs, in: scope), at: rhs.offset)
        case .binary(let op, let lhs, let rhs):
            let left = try evaluate(lhs, in: scope), right = try evaluate(rhs, in: scope)
            if left.containsUnknown || right.containsUnknown { return .unknown("") }
            return try ValueOperations.apply(op, left, right, at: rhs.offset)
        }
    }

    private static func logical(_ op: BinaryOperator, _ left: Value, _ right: Value, at offset: Int) throws(EvaluationError) -> Value {
        switch (left, right) {
        case (.bool(let a), .bool(let b)): return .bool(op == .and ? a && b : a || b)
        case (.unknown, _), (_, .unknown): return .unknown("")
        default: throw EvaluationError(message: "'\(op.rawValue)' needs bools, not \(describe(left)) and \(describe(right))", offset: offset)
        }
    }

    private static func lookup(_ segments: [PathSegment], in scope: EvaluationScope) throws(EvaluationError) -> Value {
        var value: Value
        var rest = segments.dropFirst()
        var name = segments[0].name
        switch segments[0].name {
        case "now":
            return .datetime(scope.now)
        case "inputs":
            guard let input = rest.first else { throw EvaluationError(message: "'inputs' needs a name", offset: segments[0].offset) }
            value = scope.inputs[input.name] ?? .null
            name = "inputs.\(input.name)"
            rest = rest.dropFirst()
        case "event":
            guard let event = scope.event else { throw EvaluationError(message: "unknown name 'event'", offset: segments[0].offset) }
            value = event
        case "item":
            guard let item = scope.item else { throw EvaluationError(message: "'item' is only defined in a step with for_each", offset: segments[0].offset) }
            value = item
        case "steps":
            guard segments.count >= 3 else { throw EvaluationError(message: "a step's result is read as steps.ID.output.FIELD", offset: segments[0].offset) }
            if segments.count == 3, segments[2].name == "removal" {
                guard let removals = scope.stepRemovals else { return .unknown(segments.map(\.name).joined(separator: ".")) }
                return .string(removals[segments[1].name] ?? "not_run")
            }
            guard let outputs = scope.stepOutputs else {
                return .unknown(segments.map(\.name).joined(separator: "."))
            }
            value = outputs[segments[1].name] ?? .null
            name = "steps.\(segments[1].name).output"
            rest = rest.dropFirst(2)
        default:
            throw EvaluationError(message: "unknown name '\(segments[0].name)'", offset: segments[0].offset)
        }
        for segment in rest {
            switch value {
            case .object(let fields):
                guard let field = fields[segment.name] else {
                    if scope.missingIsNull { return .null }
                    throw EvaluationError(message: "\(name) has no field '\(segment.name)'", offset: segment.offset)
                }
                value = field
            case .unknown:
                return value
            case _ where scope.missingIsNull:
                return .null
            case .null:
                throw EvaluationError(message: "\(name) has no value, so it has no field '\(segment.name)'", offset: segment.offset)
            default:
                throw EvaluationError(message: "\(name) is \(describe(value)); it has no field '\(segment.name)'", offset: segment.offset)
            }
            name += ".\(segment.name)"
        }
        return value
    }

    private static func subscriptValue(_ base: Value, _ index: Value, at offset: Int) throws(EvaluationError) -> Value {
        switch (base, index) {
        case (.unknown, _), (_, .unknown): return .unknown("")
        case (.list(let items), .int(let position)):
            guard items.indices.contains(position) else {
                throw EvaluationError(message: "index \(position) is outside a list of \(items.count)", offset: offset)
            }
            return items[position]
        case (.object(let fields), .string(let key)):
            guard let value = fields[key] else { throw EvaluationError(message: "no field '\(key)'", offset: offset) }
            return value
        default:
            throw EvaluationError(message: "cannot index \(describe(base)) with \(describe(index))", offset: offset)
        }
    }

    static func describe(_ value: Value) -> String {
        switch value {
        case .null: return "null (no value)"
        default: return "a \(value.type)"
        }
    }
}
