import Foundation

/// Reads `*.hook.yaml` files, reporting every problem as `file:line:col: error: …` at once, like playbooks.
public enum HookMappingLoader {
    /// One file's mapping and its problems. With errors the mapping is what could be read (so later checks can
    /// add theirs, all at once); it must not be served.
    public static func load(path: String, limits: YAMLLimits = .default) -> (mapping: HookMapping?, diagnostics: [Diagnostic]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            return (nil, [.error("cannot read \(path)", at: SourceLocation(file: path, line: 1, column: 1))])
        }
        let composed = YAMLComposer.compose(Array(data), file: path, limits: limits)
        guard let root = composed.root, !composed.diagnostics.containsErrors else { return (nil, composed.diagnostics) }
        var reader = NodeReader()
        let mapping = read(root, file: path, reader: &reader)
        return (mapping, composed.diagnostics + reader.diagnostics)
    }

    static let topKeys = ["hook", "verify", "each", "employee", "delivery_id", "leaver", "withdrawn"]

    static func read(_ root: YAMLNode, file: String, reader: inout NodeReader) -> HookMapping? {
        guard let pairs = reader.mapping(root, allowed: topKeys, what: "a hook mapping") else { return nil }
        let top = Dictionary(pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        var source = ""
        if let node = top["hook"], let name = reader.string(node, "hook") {
            if name.isEmpty || name.count > 64 || !name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_".unicodeScalars.contains($0)) }) {
                reader.error("hook must be 1–64 letters, digits, '-' or '_' (it is the path /v1/hooks/<hook>), not '\(name)'", at: node.location)
            }
            source = name
        } else if top["hook"] == nil {
            reader.error("a hook mapping needs 'hook: <name>' (served at /v1/hooks/<name>)", at: root.location)
        }
        var scheme = HookMapping.Scheme.bearer, secret = "", maxAge = PlaybookDuration(seconds: 300)
        if let verify = top["verify"], let fields = reader.mapping(verify, allowed: ["scheme", "secret", "max_age"], what: "verify") {
            let values = Dictionary(fields.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
            if let node = values["scheme"] { scheme = reader.enumeration(node, "verify.scheme", as: HookMapping.Scheme.self) ?? scheme } else {
                reader.error("verify needs a scheme: \(HookMapping.Scheme.allCases.map(\.rawValue).joined(separator: ", "))", at: verify.location)
            }
            if let node = values["secret"], let text = reader.string(node, "verify.secret") {
                if let name = secretName(text) { secret = name } else {
                    reader.error("verify.secret must be one ${secret:NAME} reference (the shared secret is never written in the file)", at: node.location)
                }
            } else if values["secret"] == nil {
                reader.error("verify needs secret: ${secret:NAME}", at: verify.location)
            }
            if let node = values["max_age"], let duration = reader.duration(node, "verify.max_age") {
                if duration.seconds <= 0 || duration.seconds > 86_400 { reader.error("verify.max_age must be more than 0 and at most 1d", at: node.location) }
                maxAge = duration
            }
        } else if top["verify"] == nil {
            reader.error("a hook mapping needs verify: { scheme: …, secret: ${secret:NAME} }", at: root.location)
        }
        let each = top["each"].flatMap { checked(reader.expression($0, "each"), reader: &reader) }
        let employee = top["employee"].flatMap { checked(reader.expression($0, "employee"), reader: &reader) }
        if top["employee"] == nil { reader.error("a hook mapping needs employee: <who the event is about>, such as item.id", at: root.location) }
        let deliveryID = top["delivery_id"].flatMap { checked(reader.expression($0, "delivery_id"), reader: &reader) }
        let leaver = top["leaver"].flatMap { readLeaver($0, reader: &reader) }
        let withdrawn = top["withdrawn"].flatMap { readWithdrawn($0, reader: &reader) }
        if top["leaver"] == nil && top["withdrawn"] == nil {
            reader.error("a hook mapping needs leaver: (start a run) or withdrawn: (cancel one), or both", at: root.location)
        }
        guard let employee else { return nil }
        return HookMapping(source: source, scheme: scheme, secretName: secret, maxAge: maxAge, each: each, employee: employee,
                           deliveryID: deliveryID, leaver: leaver, withdrawn: withdrawn, file: file)
    }

    static func readLeaver(_ node: YAMLNode, reader: inout NodeReader) -> HookMapping.Leaver? {
        guard let pairs = reader.mapping(node, allowed: ["when", "playbook", "effective", "inputs", "reschedule"], what: "leaver") else { return nil }
        let values = Dictionary(pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        for key in ["when", "playbook", "effective", "inputs"] where values[key] == nil { reader.error("leaver needs \(key):", at: node.location) }
        let when = values["when"].flatMap { checked(reader.expression($0, "leaver.when"), reader: &reader) }
        let effective = values["effective"].flatMap { checked(reader.expression($0, "leaver.effective"), reader: &reader) }
        let playbook = values["playbook"].flatMap { reader.string($0, "leaver.playbook") }
        var inputs: [HookMapping.Input] = []
        if let node = values["inputs"], let fields = node.mapping {
            for field in fields {
                if let template = reader.template(field.value, "leaver.inputs.\(field.name)"), checkedTemplate(template, reader: &reader) {
                    inputs.append(HookMapping.Input(name: field.name, value: template, location: field.key.location))
                }
            }
        } else if let node = values["inputs"] {
            reader.error("leaver.inputs must be a mapping of input name to template, not \(node.kindDescription)", at: node.location)
        }
        var reschedule = "leave_at", rescheduleLocation = node.location
        if let node = values["reschedule"], let name = reader.string(node, "leaver.reschedule") {
            reschedule = name
            rescheduleLocation = node.location
        }
        guard let when, let effective, let playbook, let playbookNode = values["playbook"] else { return nil }
        return HookMapping.Leaver(when: when, playbook: playbook, playbookLocation: playbookNode.location, effective: effective,
                                  inputs: inputs, reschedule: reschedule, rescheduleLocation: rescheduleLocation,
                                  rescheduleIsExplicit: values["reschedule"] != nil)
    }

    static func readWithdrawn(_ node: YAMLNode, reader: inout NodeReader) -> HookMapping.Withdrawn? {
        guard let pairs = reader.mapping(node, allowed: ["when", "reverse"], what: "withdrawn") else { return nil }
        let values = Dictionary(pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        if values["when"] == nil { reader.error("withdrawn needs when:", at: node.location) }
        let when = values["when"].flatMap { checked(reader.expression($0, "withdrawn.when"), reader: &reader) }
        let reverse = values["reverse"].flatMap { reader.bool($0, "withdrawn.reverse") } ?? false
        guard let when else { return nil }
        return HookMapping.Withdrawn(when: when, reverse: reverse)
    }

    /// The names a mapping's expressions may read.
    static let names = ["event", "item", "now"]

    static func checked(_ field: ExpressionField?, reader: inout NodeReader) -> ExpressionField? {
        guard let field else { return nil }
        return checkNames(field.expression.paths, source: field.source, reader: &reader) ? field : nil
    }

    static func checkedTemplate(_ field: TemplateField, reader: inout NodeReader) -> Bool {
        if !field.template.secretNames.isEmpty {
            reader.error("a leaver's inputs cannot hold secrets", at: field.source.location)
            return false
        }
        return checkNames(field.template.expressions.flatMap(\.paths), source: field.source, reader: &reader)
    }

    static func checkNames(_ paths: [[PathSegment]], source: SourceText, reader: inout NodeReader) -> Bool {
        var good = true
        for path in paths where !names.contains(path[0].name) {
            reader.error("unknown name '\(path[0].name)': a hook mapping reads event (the delivery's body), item (one element of each:) and now",
                         at: source.location(at: path[0].offset), suggestion: Suggestion.closest(to: path[0].name, in: names))
            good = false
        }
        return good
    }

    /// NAME of a value that is exactly `${secret:NAME}`.
    static func secretName(_ text: String) -> String? {
        guard text.hasPrefix("${secret:"), text.hasSuffix("}") else { return nil }
        let name = text.dropFirst(9).dropLast()
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_") }) else { return nil }
        return String(name)
    }
}
