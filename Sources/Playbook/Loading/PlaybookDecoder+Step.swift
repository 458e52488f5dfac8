extension PlaybookDecoder {
    static let stepKeys = ["id", "uses", "with", "needs", "when", "for_each", "item_id", "at", "after", "retry", "timeout",
                           "deadline", "on_failure", "on_deadline", "compensate", "removes_access", "system", "description"]

    /// A step id: a letter first (so it never reads as a duration), then letters, digits, `-` and `_`.
    static func isStepID(_ id: String) -> Bool {
        ASCII.isName(id, extra: [UInt8(ascii: "-")], maxLength: 64)
    }

    mutating func decodeStep(_ resolved: PlaybookResolver.ResolvedStep, defaults: StepDefaults) -> Step? {
        let node = resolved.node
        guard let pairs = reader.mapping(node, allowed: Self.stepKeys, what: "a step") else { return nil }
        guard let idNode = node["id"] else {
            reader.error("step needs an id:", at: node.location)
            return nil
        }
        guard let id = reader.string(idNode, "id") else { return nil }
        if !Self.isStepID(id) {
            reader.error("step id '\(id)' must start with a letter and hold only letters, digits, - and _ (at most 64)", at: idNode.location)
        }
        let usesNode = node["uses"]
        if usesNode == nil { reader.error("step '\(id)' needs uses: (the handler that runs it)", at: idNode.location) }
        let uses = usesNode.flatMap { reader.string($0, "uses") } ?? ""
        var step = Step(id: id, uses: uses, usesLocation: usesNode?.location ?? idNode.location, location: idNode.location)
        step.provenance = resolved.provenance
        step.retry = defaults.retry
        step.timeout = defaults.timeout
        for pair in pairs {
            let value = pair.value
            switch pair.name {
            case "with":
                if value.scalar?.value == .null { continue }
                if value.mapping == nil {
                    reader.error("with must be a mapping of parameters, not \(value.kindDescription)", at: value.location)
                } else {
                    step.with = reader.parameter(value)
                }
            case "needs":
                step.needs = reader.stringList(value, "needs").map { StepReference(id: $0.0, location: $0.1) }
            case "when": step.when = reader.expression(value, "when")
            case "for_each": step.forEach = reader.expression(value, "for_each")
            case "item_id": step.itemID = reader.template(value, "item_id")
            case "at": step.at = reader.expression(value, "at")
            case "after":
                // `after: <step id>` positions a step in an extending playbook; the resolver has
                // used or reported it already.
                if PlaybookResolver.isPosition(value) { continue }
                step.after = reader.duration(value, "after")
            case "retry": step.retry = decodeRetry(value, base: defaults.retry)
            case "timeout": step.timeout = reader.duration(value, "timeout")
            case "deadline": step.deadline = reader.expression(value, "deadline")
            case "description": step.description = reader.string(value, "description")
            case "on_deadline": step.onDeadline = reader.stringList(value, "on_deadline").map { StepReference(id: $0.0, location: $0.1) }
            case "removes_access": step.removesAccess = reader.bool(value, "removes_access")
            case "system":
                guard let label = reader.string(value, "system") else { continue }
                if label.contains("${") || label.contains("{{") {
                    reader.error("system is a plain label for the evidence (such as \"CRM database\"); it may hold no secret or template", at: value.location)
                } else {
                    step.system = label
                }
            case "compensate": step.compensate = decodeCompensation(value)
            case "on_failure":
                guard let text = reader.string(value, "on_failure") else { continue }
                switch text {
                case "abort": step.onFailure = .abort
                case "continue": step.onFailure = .continue
                default: step.onFailure = .run(text, value.location)
                }
            default: break
            }
        }
        if step.itemID != nil, step.forEach == nil, let key = pairs.first(where: { $0.name == "item_id" }) {
            reader.error("item_id only applies to a step with for_each", at: key.key.location)
        }
        return step
    }

    /// `compensate: { uses: HANDLER, with: {…} }`.
    mutating func decodeCompensation(_ node: YAMLNode) -> Compensation? {
        guard reader.mapping(node, allowed: ["uses", "with"], what: "compensate") != nil else { return nil }
        guard let usesNode = node["uses"], let uses = reader.string(usesNode, "uses") else {
            reader.error("compensate needs uses: (the handler that undoes the step)", at: node.location)
            return nil
        }
        var compensation = Compensation(uses: uses, usesLocation: usesNode.location, with: nil)
        if let with = node["with"], with.scalar?.value != .null {
            if with.mapping == nil {
                reader.error("with must be a mapping of parameters, not \(with.kindDescription)", at: with.location)
            } else {
                compensation.with = reader.parameter(with)
            }
        }
        return compensation
    }
}
