/// Why a parameter could not be rendered (an input with no value, an index out of range).
public struct RenderError: Error, Sendable, Hashable {
    public var message: String
    public var location: SourceLocation
}

extension Parameter {
    /// Names of the secrets referenced anywhere in the parameter.
    public var secretNames: [String] {
        switch self {
        case .literal: return []
        case .template(let field): return field.template.secretNames
        case .list(let items, _): return items.flatMap(\.secretNames)
        case .object(let entries, _): return entries.flatMap(\.value.secretNames)
        }
    }

    /// The parameter with every template evaluated; secrets stay references.
    public func render(in scope: EvaluationScope) throws(RenderError) -> Value {
        switch self {
        case .literal(let value, _):
            return value
        case .template(let field):
            do {
                return try field.template.render(in: scope)
            } catch {
                throw RenderError(message: error.message, location: field.source.location(at: error.offset))
            }
        case .list(let items, _):
            var values: [Value] = []
            for item in items { values.append(try item.render(in: scope)) }
            return .list(values)
        case .object(let entries, _):
            var fields: [String: Value] = [:]
            for entry in entries { fields[entry.key] = try entry.value.render(in: scope) }
            return .object(fields)
        }
    }
}

extension ExpressionField {
    /// Evaluates the expression, locating any failure in the playbook.
    public func evaluate(in scope: EvaluationScope) throws(RenderError) -> Value {
        do {
            return try Evaluator.evaluate(expression, in: scope)
        } catch {
            throw RenderError(message: error.message, location: source.location(at: error.offset))
        }
    }
}

extension TemplateField {
    /// Renders the template, locating any failure in the playbook.
    public func render(in scope: EvaluationScope) throws(RenderError) -> Value {
        do {
            return try template.render(in: scope)
        } catch {
            throw RenderError(message: error.message, location: source.location(at: error.offset))
        }
    }
}
