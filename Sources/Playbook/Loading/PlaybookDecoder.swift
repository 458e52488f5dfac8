import Crypto
import Foundation

/// Turns a resolved playbook document into the typed model, reporting every shape error.
struct PlaybookDecoder {
    static let topLevelKeys = ["playbook", "version", "description", "extends", "inputs", "defaults", "leave_time", "timezone", "steps"]
    static let inputKeys = ["type", "required", "default", "description", "items", "values", "personal"]
    static let retryKeys = ["attempts", "backoff", "initial", "max"]

    var reader = NodeReader()

    mutating func decode(_ resolved: PlaybookResolver.Resolved, file: String) -> Playbook {
        let rootNode = YAMLNode(.mapping(resolved.pairs), at: resolved.location)
        _ = reader.mapping(rootNode, allowed: Self.topLevelKeys, what: "the playbook")
        var canonical = rootNode.json
        if case .object(var fields) = canonical {
            fields["extends"] = nil
            fields["steps"] = .array(resolved.steps.map(\.node.json))
            canonical = .object(fields)
        }
        let digest = SHA256.hash(data: canonical.canonicalData()).lowercaseHex

        var name = ""
        if let node = rootNode["playbook"] {
            name = reader.string(node, "playbook (the name)") ?? ""
        } else {
            reader.error("missing playbook: (the playbook's name)", at: resolved.location)
        }
        var version = 1
        if let node = rootNode["version"] {
            version = reader.int(node, "version", atLeast: 1) ?? 1
        } else {
            reader.error("missing version: (an integer, 1 for a new playbook)", at: resolved.location)
        }
        var playbook = Playbook(name: name, version: version, file: file, canonicalJSON: canonical, sha256: digest)
        playbook.description = rootNode["description"].flatMap { reader.string($0, "description") }
        if let node = rootNode["inputs"], node.scalar?.value != .null {
            playbook.inputs = decodeInputs(node)
        }
        if let node = rootNode["defaults"], let pairs = reader.mapping(node, allowed: ["retry", "timeout"], what: "defaults") {
            for pair in pairs {
                switch pair.name {
                case "retry": playbook.defaults.retry = decodeRetry(pair.value, base: nil)
                case "timeout": playbook.defaults.timeout = reader.duration(pair.value, "defaults.timeout")
                default: break
                }
            }
        }
        playbook.leaveTime = rootNode["leave_time"].flatMap { reader.expression($0, "leave_time") }
        playbook.timeZone = rootNode["timezone"].flatMap { reader.template($0, "timezone") }
        if resolved.stepsKey == nil, resolved.steps.isEmpty {
            reader.error("missing steps: (the list of steps)", at: resolved.location)
        }
        playbook.steps = resolved.steps.compactMap { decodeStep($0, defaults: playbook.defaults) }
        return playbook
    }

    private mutating func decodeInputs(_ node: YAMLNode) -> [InputDeclaration] {
        guard let pairs = node.mapping else {
            reader.error("inputs must be a mapping of input names to declarations, not \(node.kindDescription)", at: node.location)
            return []
        }
        return pairs.compactMap { pair in decodeInput(name: pair.name, keyLocation: pair.key.location, node: pair.value) }
    }

    private mutating func decodeInput(name: String, keyLocation: SourceLocation, node: YAMLNode) -> InputDeclaration? {
        if !Self.isIdentifier(name) {
            reader.error("input name '\(name)' must be letters, digits and _, starting with a letter", at: keyLocation)
        }
        // `email: string` is short for `email: { type: string }`.
        if let typeName = node.string {
            guard let type = inputType(typeName, at: node.location) else { return nil }
            return InputDeclaration(name: name, type: type, location: keyLocation)
        }
        guard let pairs = reader.mapping(node, allowed: Self.inputKeys, what: "input '\(name)'") else { return nil }
        guard let typeNode = node["type"] else {
            reader.error("input '\(name)' needs a type: one of \(InputType.allCases.map(\.rawValue).joined(separator: ", "))", at: keyLocation)
            return nil
        }
        guard let typeName = reader.string(typeNode, "type"), let type = inputType(typeName, at: typeNode.location) else { return nil }
        var declaration = InputDeclaration(name: name, type: type, location: keyLocation)
        for pair in pairs {
            switch pair.name {
            case "required": declaration.required = reader.bool(pair.value, "required") ?? false
            case "description": declaration.description = reader.string(pair.value, "description")
            case "personal": declaration.personal = reader.bool(pair.value, "personal") ?? false
            case "items":
                if type != .list { reader.error("items: only applies to a list input", at: pair.key.location) }
                declaration.items = reader.string(pair.value, "items").flatMap { inputType($0, at: pair.value.location) }
            case "values":
                if type != .string { reader.error("values: only applies to a string input", at: pair.key.location) }
                declaration.allowed = reader.stringList(pair.value, "values").map(\.0)
            default: break
            }
        }
        if let defaultNode = node["default"] {
            switch InputBinding.convert(defaultNode, to: declaration, timeZone: nil) {
            case .success(let value): declaration.defaultValue = value
            case .failure(let problem): reader.error("default of input '\(name)': \(problem.message)", at: defaultNode.location)
            }
            if declaration.required {
                reader.warning("input '\(name)' is required, so its default is never used", at: defaultNode.location)
            }
        }
        return declaration
    }

    private mutating func inputType(_ name: String, at location: SourceLocation) -> InputType? {
        guard let type = InputType(rawValue: name) else {
            let names = InputType.allCases.map(\.rawValue)
            reader.error("unknown input type '\(name)'; types are \(names.joined(separator: ", "))", at: location,
                         suggestion: Suggestion.closest(to: name, in: names))
            return nil
        }
        return type
    }

    mutating func decodeRetry(_ node: YAMLNode, base: RetryPolicy?) -> RetryPolicy? {
        if case .int = node.scalar?.value {
            guard let attempts = reader.int(node, "retry (attempts)", atLeast: 1, atMost: 100) else { return nil }
            var policy = base ?? RetryPolicy()
            policy.attempts = attempts
            return policy
        }
        guard let pairs = reader.mapping(node, allowed: Self.retryKeys, what: "retry") else { return nil }
        var policy = base ?? RetryPolicy()
        for pair in pairs {
            switch pair.name {
            case "attempts": policy.attempts = reader.int(pair.value, "retry.attempts", atLeast: 1, atMost: 100) ?? policy.attempts
            case "backoff": policy.backoff = reader.enumeration(pair.value, "retry.backoff", as: RetryPolicy.Backoff.self) ?? policy.backoff
            case "initial": policy.initial = reader.duration(pair.value, "retry.initial") ?? policy.initial
            case "max": policy.max = reader.duration(pair.value, "retry.max") ?? policy.max
            default: break
            }
        }
        if policy.initial > policy.max {
            reader.error("retry.initial (\(policy.initial)) is longer than retry.max (\(policy.max))", at: node.location)
        }
        return policy
    }

    static func isIdentifier(_ name: String) -> Bool { ASCII.isName(name) }
}
