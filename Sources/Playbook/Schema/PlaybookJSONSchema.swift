/// Generates the JSON Schema (draft 2020-12) of the playbook format from the loader's own key
/// lists and the handlers' parameter schemas, so editors complete exactly what `validate` accepts.
public enum PlaybookJSONSchema {
    static let durationPattern = "^([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$"
    static let templatePattern = "\\{\\{.*\\}\\}|\\$\\{secret:"

    public static func generate(catalog: any HandlerCatalog) -> JSONValue {
        let template: JSONValue = .object(["type": "string", "pattern": .string(templatePattern), "description": "a {{ … }} template"])
        let duration: JSONValue = .object(["type": "string", "minLength": 2, "pattern": .string(durationPattern),
                                           "description": "a duration such as 30s, 5m, 2h, 1d or 1h30m"])
        let expression: JSONValue = .object(["type": ["string", "boolean"], "description": "an expression, bare or as one {{ … }}"])
        let retry: JSONValue = .object(["anyOf": [
            .object(["type": "integer", "minimum": 1, "maximum": 100]),
            closedObject([
                "attempts": .object(["type": "integer", "minimum": 1, "maximum": 100]),
                "backoff": .object(["enum": .array(RetryPolicy.Backoff.allCases.map { .string($0.rawValue) })]),
                "initial": ref("duration"), "max": ref("duration"),
            ]),
        ]])
        let typeNames: JSONValue = .array(InputType.allCases.map { .string($0.rawValue) })
        let input: JSONValue = .object(["anyOf": [
            .object(["enum": typeNames]),
            closedObject([
                "type": .object(["enum": typeNames]), "required": .object(["type": "boolean"]), "default": .object([:]),
                "description": .object(["type": "string"]), "items": .object(["enum": typeNames]),
                "values": .object(["type": "array", "items": .object(["type": "string"])]), "personal": .object(["type": "boolean"]),
            ], required: ["type"]),
        ]])
        let stringOrList: JSONValue = .object(["anyOf": [.object(["type": "string"]), .object(["type": "array", "items": .object(["type": "string"])])]])
        var stepProperties: [String: JSONValue] = [
            "id": .object(["type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_-]{0,63}$"]),
            "uses": .object(["enum": .array(catalog.handlerTypes.map(JSONValue.string))]),
            "with": .object(["type": "object"]),
            "needs": stringOrList, "when": ref("expression"), "for_each": ref("expression"), "item_id": .object(["type": "string"]),
            "at": ref("expression"), "after": .object(["type": "string", "description": "a duration, or in an extending playbook a step id to insert after"]),
            "retry": ref("retry"), "timeout": ref("duration"), "deadline": ref("expression"),
            "on_failure": .object(["type": "string", "description": "abort, continue, or the id of a step to run"]),
            "on_deadline": stringOrList, "removes_access": .object(["type": "boolean"]), "system": .object(["type": "string"]),
            "compensate": closedObject(["uses": .object(["enum": .array(catalog.handlerTypes.map(JSONValue.string))]),
                                        "with": .object(["type": ["object", "null"]])], required: ["uses"]),
            "description": .object(["type": "string"]),
            "remove": .object(["type": "boolean"]), "before": .object(["type": "string"]),
        ]
        stepProperties["with"] = .object(["type": ["object", "null"]])
        let handlerRules: [JSONValue] = catalog.handlerTypes.compactMap { type in
            guard let schema = catalog.parameterSchema(for: type) else { return nil }
            return .object([
                "if": .object(["properties": .object(["uses": .object(["const": .string(type)])]), "required": ["uses"]]),
                "then": .object(["properties": .object(["with": objectSchema(schema)])]),
            ])
        }
        var step = closedObject(stepProperties, required: ["id"])
        if case .object(var fields) = step {
            fields["allOf"] = .array(handlerRules)
            step = .object(fields)
        }
        let fullStep: JSONValue = .object(["allOf": [ref("step"), .object(["required": ["id", "uses"]])]])
        let include = closedObject(["include": .object(["type": "string"])], required: ["include"])
        let playbook = closedObject([
            "playbook": .object(["type": "string", "minLength": 1]), "version": .object(["type": "integer", "minimum": 1]),
            "description": .object(["type": "string"]), "extends": .object(["type": "string"]),
            "inputs": .object(["type": ["object", "null"], "additionalProperties": ref("input")]),
            "defaults": closedObject(["retry": ref("retry"), "timeout": ref("duration")]),
            "leave_time": ref("expression"), "timezone": .object(["type": "string"]),
            "steps": .object(["type": ["array", "null"]]),
        ], required: ["playbook", "version"])
        let playbookRules: JSONValue = .object([
            "if": .object(["required": ["extends"]]),
            "then": .object(["properties": .object(["steps": .object(["items": .object(["anyOf": [ref("include"), ref("step")]])])])]),
            "else": .object(["required": ["steps"],
                             "properties": .object(["steps": .object(["items": .object(["anyOf": [ref("include"), ref("fullStep")]])])])]),
        ])
        return .object([
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "offboard playbook",
            "description": "A leaver playbook for offboard, or a list of steps brought in with include:. Generated by `offboard schema`.",
            "anyOf": [
                .object(["allOf": [ref("playbook"), playbookRules]]),
                .object(["type": "array", "items": .object(["anyOf": [ref("include"), ref("fullStep")]])]),
            ],
            "$defs": .object([
                "playbook": playbook, "step": step, "fullStep": fullStep, "include": include, "input": input, "retry": retry,
                "duration": duration, "template": template, "expression": expression,
            ]),
        ])
    }

    private static func ref(_ name: String) -> JSONValue { .object(["$ref": .string("#/$defs/\(name)")]) }

    private static func closedObject(_ properties: [String: JSONValue], required: [String] = []) -> JSONValue {
        var fields: [String: JSONValue] = ["type": "object", "properties": .object(properties), "additionalProperties": false]
        if !required.isEmpty { fields["required"] = .array(required.map(JSONValue.string)) }
        return .object(fields)
    }

    private static func objectSchema(_ schema: ParameterSchema) -> JSONValue {
        var properties: [String: JSONValue] = [:]
        for field in schema.fields {
            var property = typeSchema(field.type)
            if case .object(var fields) = property {
                fields["description"] = .string(field.description)
                property = .object(fields)
            }
            properties[field.name] = property
        }
        var object = closedObject(properties, required: schema.fields.filter(\.required).map(\.name))
        if case .object(var fields) = object {
            var rules: [JSONValue] = schema.exactlyOneOf.map { group in
                .object(["oneOf": .array(group.map { .object(["required": [.string($0)]]) })])
            }
            rules += schema.atLeastOneOf.map { group in .object(["anyOf": .array(group.map { .object(["required": [.string($0)]]) })]) }
            if !rules.isEmpty { fields["allOf"] = .array(rules) }
            object = .object(fields)
        }
        return object
    }

    private static func typeSchema(_ type: ParameterType) -> JSONValue {
        let template = ref("template")
        switch type {
        case .string, .datetime: return .object(["type": "string"])
        case .int: return .object(["anyOf": [.object(["type": "integer"]), template]])
        case .bool: return .object(["anyOf": [.object(["type": "boolean"]), template]])
        case .duration: return .object(["anyOf": [ref("duration"), template]])
        case .enumeration(let values): return .object(["anyOf": [.object(["enum": .array(values.map(JSONValue.string))]), template]])
        case .list(let element): return .object(["anyOf": [.object(["type": "array", "items": typeSchema(element)]), template]])
        case .map(let value): return .object(["anyOf": [.object(["type": "object", "additionalProperties": typeSchema(value)]), template]])
        case .object(let schema): return .object(["anyOf": [objectSchema(schema), template]])
        case .oneOf(let types): return .object(["anyOf": .array(types.map(typeSchema))])
        case .any: return .object([:])
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}
