import Foundation

extension Template {
    /// Renders the template: a lone expression gives its typed value, anything else text. A part that
    /// is null is an error, never an empty string; a secret keeps its reference.
    public func render(in scope: EvaluationScope) throws(EvaluationError) -> Value {
        if let expression = singleExpression {
            let value = try Evaluator.evaluate(expression, in: scope)
            if case .unknown = value { return .unknown("{{ \(expressionSources.first ?? "") }}") }
            return value
        }
        var parts: [SecretText.Part] = []
        var hasSecret = false, hasUnknown = false
        for segment in segments {
            switch segment {
            case .text(let text):
                parts.append(.text(text))
            case .secret(let name, _):
                parts.append(.secret(name))
                hasSecret = true
            case .expression(let expression, let source):
                let value = try Evaluator.evaluate(expression, in: scope)
                if value.containsUnknown {
                    hasUnknown = true
                    parts.append(.text("{{ \(source) }}"))
                    continue
                }
                guard let text = value.interpolationText(in: scope.timeZone) else {
                    throw EvaluationError(message: "'\(source)' has no value, and a template never renders a missing value as empty text", offset: expression.offset)
                }
                parts.append(.text(text))
            }
        }
        let text = SecretText(parts: parts)
        if hasUnknown { return .unknown(text.masked) }
        return hasSecret ? .secret(text) : .string(text.masked)
    }

    private var expressionSources: [String] {
        segments.compactMap { if case .expression(_, let source) = $0 { return source } else { return nil } }
    }
}

extension Value {
    /// How the value reads inside a larger string; nil for null, which has no text.
    public func interpolationText(in timeZone: TimeZone) -> String? {
        switch self {
        case .null: return nil
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .number(let number): return number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
        case .string(let text): return text
        case .secret(let text): return text.masked
        case .date(let date): return date.description
        case .datetime(let date): return DateText.iso8601(date, in: timeZone)
        case .duration(let duration): return duration.description
        case .list, .object: return jsonText()
        case .unknown(let source): return source
        }
    }
}

extension Value {
    /// How the value reads in a sentence, dates in UTC; nil for null.
    public var displayText: String? { interpolationText(in: .gmt) }
}
