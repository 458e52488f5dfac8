/// Checks a step's `with:` against its handler's parameter schema: required and unknown keys,
/// value types, expression types, and where secrets may appear.
struct ParameterChecker {
    var diagnostics: [Diagnostic] = []
    let scope: TypeScope
    let handler: String
    /// The top-level parameters of the handler that take `${secret:NAME}`, for the message that refuses one elsewhere.
    private var secretFields: [String] = []

    init(scope: TypeScope, handler: String) {
        self.scope = scope
        self.handler = handler
    }

    mutating func checkWith(_ parameter: Parameter?, schema: ParameterSchema, stepLocation: SourceLocation) {
        guard let parameter else {
            if let missing = schema.fields.first(where: \.required) {
                diagnostics.append(.error("'\(handler)' needs with: \(missing.name) (\(missing.description))", at: stepLocation))
            }
            return
        }
        secretFields = schema.fields.filter(\.acceptsSecrets).map(\.name)
        check(parameter, as: .object(schema), field: nil, path: "with")
    }

    mutating func check(_ parameter: Parameter, as type: ParameterType, field: ParameterField?, path: String) {
        switch (parameter, type) {
        case (.template(let template), _):
            checkTemplate(template, as: type, field: field, path: path)
        case (.list(let items, _), .any):
            // Free-form values (an http body) are still checked inside: every template is type-checked,
            // and a secret inside one is refused like anywhere else it would be sent or stored literally.
            for (position, item) in items.enumerated() { check(item, as: .any, field: field, path: "\(path)[\(position)]") }
        case (.object(let entries, _), .any):
            for entry in entries { check(entry.value, as: .any, field: field, path: "\(path).\(entry.key)") }
        case (_, .any):
            return
        case (_, .oneOf(let types)):
            var trials: [(ParameterType, [Diagnostic])] = []
            for candidate in types {
                var trial = self
                trial.diagnostics = []
                trial.check(parameter, as: candidate, field: field, path: path)
                if !trial.diagnostics.containsErrors {
                    diagnostics += trial.diagnostics
                    return
                }
                trials.append((candidate, trial.diagnostics))
            }
            // A mapping given where one alternative is a mapping: that alternative's own problems
            // (an unknown key, a bad value) say more than "expects a string or a mapping".
            if case .object = parameter, let shaped = trials.filter({ if case .object = $0.0 { true } else { false } }).first, trials.count > 1 {
                diagnostics += shaped.1
                return
            }
            diagnostics.append(.error("\(path) expects \(type.description)", at: parameter.location))
        case (.literal(let value, let location), _):
            checkLiteral(value, as: type, field: field, path: path, at: location)
        case (.list(let items, _), .list(let element)):
            for (position, item) in items.enumerated() {
                check(item, as: element, field: field, path: "\(path)[\(position)]")
            }
        case (.object(let entries, let location), .object(let schema)):
            checkObject(entries, schema: schema, path: path, at: location)
        case (.object(let entries, _), .map(let valueType)):
            for entry in entries {
                check(entry.value, as: valueType, field: field, path: "\(path).\(entry.key)")
            }
        case (.list, _), (.object, _):
            diagnostics.append(.error("\(path) expects \(type.description), not \(parameter.kindDescription)", at: parameter.location))
        }
    }

    private mutating func checkObject(_ entries: [ParameterEntry], schema: ParameterSchema, path: String, at location: SourceLocation) {
        let names = schema.fields.map(\.name)
        var suggested: Set<String> = []
        for entry in entries {
            guard let field = schema.field(entry.key) else {
                let place = path == "with" ? "'\(handler)'" : path
                let suggestion = Suggestion.closest(to: entry.key, in: names)
                if let suggestion { suggested.insert(suggestion) }
                diagnostics.append(.error("unknown parameter '\(entry.key)' for \(place)", at: entry.keyLocation, suggestion: suggestion))
                continue
            }
            check(entry.value, as: field.type, field: field, path: path == "with" ? entry.key : "\(path).\(entry.key)")
        }
        let present = Set(entries.map(\.key))
        // A field a misspelt key already points to is not reported missing a second time.
        for field in schema.fields where field.required && !present.contains(field.name) && !suggested.contains(field.name) {
            diagnostics.append(.error("missing required parameter '\(field.name)' for '\(handler)' (\(field.description))", at: location))
        }
        for group in schema.exactlyOneOf {
            let given = group.filter(present.contains)
            if given.isEmpty {
                diagnostics.append(.error("'\(handler)' needs one of \(group.joined(separator: ", "))", at: location))
            } else if given.count > 1 {
                diagnostics.append(.error("'\(handler)' takes only one of \(given.joined(separator: ", "))", at: location))
            }
        }
        for group in schema.atLeastOneOf where group.allSatisfy({ !present.contains($0) }) {
            diagnostics.append(.error("'\(handler)' needs at least one of \(group.joined(separator: ", "))", at: location))
        }
    }

    private mutating func checkLiteral(_ value: Value, as type: ParameterType, field: ParameterField?, path: String, at location: SourceLocation) {
        let fits: Bool
        var hint = ""
        switch (type, value) {
        case (_, .unknown):
            return
        case (_, .null):
            diagnostics.append(.error("\(path) is null; leave it out instead", at: location))
            return
        case (.string, .string(let text)):
            fits = true
            if field?.sensitive == true, !text.isEmpty {
                diagnostics.append(.warning("\(path) holds a credential written into the playbook; use ${secret:NAME}", at: location))
            }
        case (.string, .int), (.string, .number), (.string, .bool):
            fits = false
            hint = "; put it in quotes to make it a string"
        case (.int, .int), (.bool, .bool):
            fits = true
        case (.duration, .string(let text)):
            fits = PlaybookDuration(parsing: text) != nil
        case (.datetime, .string(let text)):
            fits = DateText.parseDateTime(text, defaultTimeZone: nil) != nil
        case (.enumeration(let allowed), .string(let text)):
            guard allowed.contains(text) else {
                diagnostics.append(.error("\(path) must be \(type.description), not '\(text)'", at: location,
                                          suggestion: Suggestion.closest(to: text, in: allowed)))
                return
            }
            fits = true
        default:
            fits = false
        }
        if !fits {
            // A credential's value is never echoed, even when it is of the wrong type.
            let given = field?.sensitive == true ? "\(value.type.withArticle)" : Parameter.literal(value, location).kindDescription
            diagnostics.append(.error("\(path) expects \(type.description), not \(given)\(hint)", at: location))
        }
    }

    private mutating func checkTemplate(_ field: TemplateField, as type: ParameterType, field schemaField: ParameterField?, path: String) {
        if !field.template.secretNames.isEmpty, schemaField?.acceptsSecrets != true {
            let allowed = secretFields.isEmpty ? "'\(handler)' takes none" : "'\(handler)' takes them in \(secretFields.joined(separator: ", "))"
            diagnostics.append(.error("\(path) may not hold a secret: only credential parameters take ${secret:NAME}, which is revealed only as it is used (\(allowed))",
                                      at: field.source.location))
        }
        var checker = TypeChecker(scope: scope)
        let expressionTypes = field.template.expressions.map { checker.check($0) }
        for problem in checker.problems {
            diagnostics.append(.error(problem.message, at: field.source.location(at: problem.offset), suggestion: problem.suggestion))
        }
        guard checker.problems.isEmpty else { return }
        if field.template.singleExpression != nil, let expressionType = expressionTypes.first {
            if !type.accepts(expressionType: expressionType) {
                diagnostics.append(.error("\(path) expects \(type.description), but the expression is \(expressionType.withArticle)", at: field.source.location))
            }
            return
        }
        switch type {
        case .string, .enumeration, .duration, .datetime, .any: return
        case .oneOf(let types) where types.contains(.string): return
        default:
            diagnostics.append(.error("\(path) expects \(type.description), but text with {{ … }} is a string", at: field.source.location))
        }
    }
}

extension Parameter {
    var kindDescription: String {
        switch self {
        case .literal(let value, _):
            switch value {
            case .string(let text): return "the string \"\(text.count > 40 ? String(text.prefix(40)) + "…" : text)\""
            case .int(let number): return "the integer \(number)"
            case .number(let number): return "the number \(number)"
            case .bool(let flag): return "the boolean \(flag)"
            case .null: return "null"
            default: return "a \(value.type)"
            }
        case .template: return "a template"
        case .list: return "a list"
        case .object: return "a mapping"
        }
    }
}
