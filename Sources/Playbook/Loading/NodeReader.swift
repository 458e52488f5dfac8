/// Reads typed values out of YAML nodes, collecting a diagnostic for each mismatch.
struct NodeReader {
    var diagnostics: [Diagnostic] = []

    mutating func error(_ message: String, at location: SourceLocation, suggestion: String? = nil) {
        diagnostics.append(.error(message, at: location, suggestion: suggestion))
    }

    mutating func warning(_ message: String, at location: SourceLocation) {
        diagnostics.append(.warning(message, at: location))
    }

    /// The mapping's pairs, reporting keys outside `allowed` with a did-you-mean.
    mutating func mapping(_ node: YAMLNode, allowed: [String], what: String) -> [YAMLPair]? {
        guard let pairs = node.mapping else {
            error("\(what) must be a mapping, not \(node.kindDescription)", at: node.location)
            return nil
        }
        for pair in pairs where !allowed.contains(pair.name) {
            if pair.value.scalar?.value == .null, pair.name.contains(" ") || Suggestion.closest(to: pair.name, in: allowed) == nil {
                error("unknown key '\(pair.name)' in \(what); a comma inside { … } starts a new entry, so quote text that holds one",
                      at: pair.key.location)
                continue
            }
            error("unknown key '\(pair.name)' in \(what)", at: pair.key.location, suggestion: Suggestion.closest(to: pair.name, in: allowed))
        }
        return pairs
    }

    mutating func string(_ node: YAMLNode, _ what: String) -> String? {
        guard let scalar = node.scalar, case .string(let text) = scalar.value else {
            error("\(what) must be a string, not \(node.kindDescription)", at: node.location)
            return nil
        }
        return text
    }

    mutating func bool(_ node: YAMLNode, _ what: String) -> Bool? {
        guard case .bool(let flag)? = node.scalar?.value else {
            error("\(what) must be true or false, not \(node.kindDescription)", at: node.location)
            return nil
        }
        return flag
    }

    mutating func int(_ node: YAMLNode, _ what: String, atLeast minimum: Int? = nil, atMost maximum: Int? = nil) -> Int? {
        guard case .int(let number)? = node.scalar?.value else {
            error("\(what) must be an integer, not \(node.kindDescription)", at: node.location)
            return nil
        }
        if let minimum, number < minimum {
            error("\(what) must be at least \(minimum)", at: node.location)
            return nil
        }
        if let maximum, number > maximum {
            error("\(what) must be at most \(maximum)", at: node.location)
            return nil
        }
        return number
    }

    mutating func duration(_ node: YAMLNode, _ what: String) -> PlaybookDuration? {
        guard let scalar = node.scalar, let duration = PlaybookDuration(parsing: scalar.text) else {
            error("\(what) must be a duration such as 30s, 5m, 2h, 1d or 1h30m, not \(node.kindDescription)", at: node.location)
            return nil
        }
        return duration
    }

    mutating func stringList(_ node: YAMLNode, _ what: String) -> [(String, SourceLocation)] {
        if let single = node.string { return [(single, node.location)] }
        guard let items = node.sequence else {
            error("\(what) must be a list of strings, not \(node.kindDescription)", at: node.location)
            return []
        }
        return items.compactMap { item in string(item, "each entry of \(what)").map { ($0, item.location) } }
    }

    mutating func enumeration<T: RawRepresentable & CaseIterable>(_ node: YAMLNode, _ what: String, as: T.Type) -> T? where T.RawValue == String {
        guard let text = string(node, what) else { return nil }
        guard let value = T(rawValue: text) else {
            let names = T.allCases.map(\.rawValue)
            error("\(what) must be one of \(names.joined(separator: ", ")), not '\(text)'", at: node.location,
                  suggestion: Suggestion.closest(to: text, in: names))
            return nil
        }
        return value
    }

    /// A bare expression (`inputs.x != null`) or one `{{ … }}`.
    mutating func expression(_ node: YAMLNode, _ what: String) -> ExpressionField? {
        guard let scalar = node.scalar, scalar.value != .null else {
            error("\(what) must be an expression, not \(node.kindDescription)", at: node.location)
            return nil
        }
        let source = SourceText(node)
        if Template.containsOpeningBraces(scalar.text) {
            do {
                let template = try Template.parse(scalar.text)
                guard let expression = template.singleExpression else {
                    error("\(what) must be one expression; write the whole value as a single {{ … }}", at: node.location)
                    return nil
                }
                return ExpressionField(expression: expression, source: source)
            } catch {
                self.error(error.message, at: source.location(at: error.offset))
                return nil
            }
        }
        do {
            return ExpressionField(expression: try ExpressionParser.parse(scalar.text), source: source)
        } catch {
            self.error("\(what): \(error.message)", at: source.location(at: error.offset))
            return nil
        }
    }

    /// A string that may hold `{{ … }}` and `${secret:NAME}`.
    mutating func template(_ node: YAMLNode, _ what: String) -> TemplateField? {
        guard let scalar = node.scalar, case .string(let text) = scalar.value else {
            error("\(what) must be a string, not \(node.kindDescription)", at: node.location)
            return nil
        }
        let source = SourceText(node)
        do {
            return TemplateField(template: try Template.parse(text), source: source)
        } catch {
            self.error(error.message, at: source.location(at: error.offset))
            return nil
        }
    }

    /// A `with:` value: templates where a string holds template syntax, literals elsewhere.
    mutating func parameter(_ node: YAMLNode) -> Parameter? {
        switch node.content {
        case .scalar(let scalar):
            if case .string(let text) = scalar.value, Template.containsSyntax(text) {
                // A template that does not parse was reported; stand in a value that fits any
                // parameter, so the mistake is not reported again as a missing parameter.
                return template(node, "parameter").map(Parameter.template) ?? .literal(.unknown(text), node.location)
            }
            return .literal(Value(scalar.value), node.location)
        case .sequence(let items):
            return .list(items.compactMap { parameter($0) }, node.location)
        case .mapping(let pairs):
            let entries = pairs.compactMap { pair in
                parameter(pair.value).map { ParameterEntry(key: pair.name, keyLocation: pair.key.location, value: $0) }
            }
            return .object(entries, node.location)
        }
    }
}
