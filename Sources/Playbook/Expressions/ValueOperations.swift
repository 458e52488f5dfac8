import Foundation

/// Comparison and arithmetic on values, with dates and durations done by Foundation.
enum ValueOperations {
    static func apply(_ op: BinaryOperator, _ left: Value, _ right: Value, at offset: Int) throws(EvaluationError) -> Value {
        switch op {
        case .equal: return .bool(equal(left, right))
        case .notEqual: return .bool(!equal(left, right))
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard let order = compare(left, right) else {
                throw EvaluationError(message: "cannot order \(Evaluator.describe(left)) against \(Evaluator.describe(right))", offset: offset)
            }
            switch op {
            case .less: return .bool(order < 0)
            case .lessOrEqual: return .bool(order <= 0)
            case .greater: return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case .in:
            return .bool(try contains(right, left, at: offset))
        case .add, .subtract:
            return try arithmetic(op, left, right, at: offset)
        case .and, .or:
            preconditionFailure("logical operators are evaluated with short-circuit in Evaluator")
        }
    }

    static func equal(_ left: Value, _ right: Value) -> Bool {
        switch (left, right) {
        case (.int(let a), .number(let b)): return Double(a) == b
        case (.number(let a), .int(let b)): return a == Double(b)
        case (.secret(let a), .string(let b)), (.string(let b), .secret(let a)): return a.masked == b
        default: return left == right
        }
    }

    private static func compare(_ left: Value, _ right: Value) -> Int? {
        func order<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : (a == b ? 0 : 1) }
        switch (left, right) {
        case (.int(let a), .int(let b)): return order(a, b)
        case (.int(let a), .number(let b)): return order(Double(a), b)
        case (.number(let a), .int(let b)): return order(a, Double(b))
        case (.number(let a), .number(let b)): return order(a, b)
        case (.string(let a), .string(let b)): return order(a, b)
        case (.date(let a), .date(let b)): return order(a, b)
        case (.datetime(let a), .datetime(let b)): return order(a, b)
        case (.duration(let a), .duration(let b)): return order(a, b)
        default: return nil
        }
    }

    private static func contains(_ container: Value, _ element: Value, at offset: Int) throws(EvaluationError) -> Bool {
        switch (container, element) {
        case (.list(let items), _): return items.contains { equal($0, element) }
        case (.string(let text), .string(let part)): return text.contains(part)
        case (.object(let fields), .string(let key)): return fields[key] != nil
        case (.null, _): throw EvaluationError(message: "'in' looks into a value that is null (no value)", offset: offset)
        default: throw EvaluationError(message: "cannot look for \(Evaluator.describe(element)) in \(Evaluator.describe(container))", offset: offset)
        }
    }

    private static func arithmetic(_ op: BinaryOperator, _ left: Value, _ right: Value, at offset: Int) throws(EvaluationError) -> Value {
        let sign = op == .add ? 1 : -1
        switch (left, right) {
        case (.int(let a), .int(let b)):
            let (result, overflow) = op == .add ? a.addingReportingOverflow(b) : a.subtractingReportingOverflow(b)
            guard !overflow else { throw EvaluationError(message: "integer overflow", offset: offset) }
            return .int(result)
        case (.int(let a), .number(let b)): return .number(Double(a) + Double(sign) * b)
        case (.number(let a), .int(let b)): return .number(a + Double(sign) * Double(b))
        case (.number(let a), .number(let b)): return .number(a + Double(sign) * b)
        case (.duration(let a), .duration(let b)): return .duration(PlaybookDuration(seconds: a.seconds + sign * b.seconds))
        case (.datetime(let a), .duration(let b)): return .datetime(a.addingTimeInterval(TimeInterval(sign * b.seconds)))
        case (.duration(let a), .datetime(let b)) where op == .add: return .datetime(b.addingTimeInterval(TimeInterval(a.seconds)))
        case (.date(let a), .duration(let b)): return .date(a.adding(days: sign * b.seconds / 86_400))
        case (.string(let a), .string(let b)) where op == .add: return .string(a + b)
        case (.datetime(let a), .datetime(let b)) where op == .subtract: return .duration(PlaybookDuration(seconds: Int(a.timeIntervalSince(b).rounded())))
        case (.date(let a), .date(let b)) where op == .subtract: return .duration(PlaybookDuration(seconds: a.days(since: b) * 86_400))
        default:
            let verb = op == .add ? "add" : "subtract"
            throw EvaluationError(message: "cannot \(verb) \(Evaluator.describe(right)) and \(Evaluator.describe(left))", offset: offset)
        }
    }
}
