import CYAML

/// Builds a `YAMLNode` tree from libyaml's parser events, keeping every node's source mark.
///
/// libyaml does the parsing; this adds what a playbook loader needs on top: core-schema scalar
/// resolution, duplicate-key errors, tag checks, and the limits of `YAMLLimits`. The libyaml parser
/// lives only inside `compose`, so no C state escapes and the result is a plain Sendable value.
public enum YAMLComposer {
    /// The composed document and every diagnostic found; `root` is nil when composing stopped.
    public struct Result: Sendable {
        public var root: YAMLNode?
        public var diagnostics: [Diagnostic]
    }

    /// Composes one YAML document from `bytes`; `file` names the source in locations.
    public static func compose(_ bytes: [UInt8], file: String, limits: YAMLLimits = .default) -> Result {
        if bytes.count > limits.maxFileBytes {
            let message = "file is \(bytes.count) bytes, larger than the limit of \(limits.maxFileBytes) bytes"
            return Result(root: nil, diagnostics: [.error(message, at: SourceLocation(file: file, line: 1, column: 1))])
        }
        if let failure = UTF8Check.firstInvalidByte(in: bytes) {
            let message = "file is not valid UTF-8: invalid byte at offset \(failure.byteOffset)"
            let location = SourceLocation(file: file, line: failure.line, column: failure.column)
            return Result(root: nil, diagnostics: [.error(message, at: location)])
        }
        var state = ComposerState(file: file, limits: limits)
        bytes.withUnsafeBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else {
                state.fail("libyaml could not allocate a parser", at: nil)
                return
            }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!, buffer.count)
            while !state.finished {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    state.fail(parserProblem(parser), at: state.location(parser.problem_mark))
                    return
                }
                state.handle(&event)
                yaml_event_delete(&event)
            }
        }
        if state.root == nil, !state.diagnostics.containsErrors {
            state.diagnostics.append(.error("file holds no YAML document", at: SourceLocation(file: file, line: 1, column: 1)))
        }
        return Result(root: state.diagnostics.containsErrors && state.failed ? nil : state.root, diagnostics: state.diagnostics)
    }

    private static func parserProblem(_ parser: yaml_parser_t) -> String {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        if let context = parser.context {
            return "\(problem) (\(String(cString: context)))"
        }
        return problem
    }
}

/// The composer's working state between events; one instance per `compose` call.
private struct ComposerState {
    struct Frame {
        var isMapping: Bool
        var location: SourceLocation
        var anchor: String?
        var items: [YAMLNode] = []
        var pairs: [YAMLPair] = []
        var pendingKey: YAMLNode?
        var seenKeys: [String: SourceLocation] = [:]
        var expandedSize = 1
    }

    let file: String
    let limits: YAMLLimits
    var stack: [Frame] = []
    var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    var root: YAMLNode?
    var diagnostics: [Diagnostic] = []
    var nodeCount = 0
    var aliasExpansion = 0
    var documents = 0
    var finished = false
    var failed = false

    init(file: String, limits: YAMLLimits) {
        self.file = file
        self.limits = limits
    }

    func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    mutating func fail(_ message: String, at location: SourceLocation?) {
        diagnostics.append(.error(message, at: location))
        failed = true
        finished = true
    }

    mutating func handle(_ event: inout yaml_event_t) {
        let start = location(event.start_mark)
        switch event.type {
        case YAML_STREAM_END_EVENT:
            finished = true
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                fail("a playbook file holds one YAML document; a second one starts here", at: start)
            }
        case YAML_SCALAR_EVENT:
            guard countNode(at: start) else { return }
            let data = event.data.scalar
            let text = string(data.value, length: data.length)
            let style = scalarStyle(data.style)
            let tag = data.tag.map { string($0) }
            guard let value = resolveScalar(text, style: style, tag: tag, at: start) else { return }
            let end = location(event.end_mark)
            let width = end.column - start.column
            let oneToOne = start.line == end.line && !text.contains("\n")
                && width == text.unicodeScalars.count + (style == .plain ? 0 : 2) && style != .literal && style != .folded
            let node = YAMLNode(.scalar(YAMLScalar(text: text, style: style, value: value, columnsMapOneToOne: oneToOne)), at: start)
            register(anchor: data.anchor.map { string($0) }, node: node, size: 1)
            attach(node, size: 1)
        case YAML_ALIAS_EVENT:
            guard countNode(at: start) else { return }
            let name = string(event.data.alias.anchor)
            guard let anchored = anchors[name] else {
                fail("unknown alias '*\(name)': no anchor '&\(name)' appears before it", at: start)
                return
            }
            aliasExpansion += anchored.size
            if aliasExpansion > limits.maxAliasExpansion {
                fail("aliases expand to more than \(limits.maxAliasExpansion) nodes; refusing (an alias bomb?)", at: start)
                return
            }
            var node = anchored.node
            node.location = start
            attach(node, size: anchored.size)
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            let isMapping = event.type == YAML_MAPPING_START_EVENT
            guard countNode(at: start) else { return }
            let tagPointer = isMapping ? event.data.mapping_start.tag : event.data.sequence_start.tag
            let anchorPointer = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
            if let tag = tagPointer.map({ string($0) }), tag != (isMapping ? "tag:yaml.org,2002:map" : "tag:yaml.org,2002:seq") {
                diagnostics.append(.error("unsupported tag '\(shortTag(tag))'; playbooks use plain YAML without tags", at: start))
            }
            if stack.count >= limits.maxDepth {
                fail("nesting is deeper than the limit of \(limits.maxDepth) levels", at: start)
                return
            }
            stack.append(Frame(isMapping: isMapping, location: start, anchor: anchorPointer.map { string($0) }))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            let frame = stack.removeLast()
            let node: YAMLNode
            if frame.isMapping {
                node = YAMLNode(.mapping(frame.pairs), at: frame.location)
            } else {
                node = YAMLNode(.sequence(frame.items), at: frame.location)
            }
            register(anchor: frame.anchor, node: node, size: frame.expandedSize)
            attach(node, size: frame.expandedSize)
        default:
            break
        }
    }

    private mutating func countNode(at location: SourceLocation) -> Bool {
        nodeCount += 1
        if nodeCount > limits.maxNodes {
            fail("document has more than the limit of \(limits.maxNodes) nodes", at: location)
            return false
        }
        return true
    }

    private mutating func register(anchor: String?, node: YAMLNode, size: Int) {
        if let anchor { anchors[anchor] = (node, size) }
    }

    private mutating func attach(_ node: YAMLNode, size: Int) {
        guard !stack.isEmpty else {
            root = node
            return
        }
        let top = stack.count - 1
        stack[top].expandedSize += size
        if !stack[top].isMapping {
            stack[top].items.append(node)
            return
        }
        guard let key = stack[top].pendingKey else {
            guard let scalar = node.scalar else {
                diagnostics.append(.error("mapping keys must be plain scalars, not \(node.kindDescription)", at: node.location))
                stack[top].pendingKey = node
                return
            }
            if let first = stack[top].seenKeys[scalar.text] {
                diagnostics.append(.error("duplicate key '\(scalar.text)' (first defined at line \(first.line))", at: node.location))
            } else {
                stack[top].seenKeys[scalar.text] = node.location
            }
            stack[top].pendingKey = node
            return
        }
        stack[top].pairs.append(YAMLPair(key: key, value: node))
        stack[top].pendingKey = nil
    }

    private mutating func resolveScalar(_ text: String, style: YAMLScalar.Style, tag: String?, at location: SourceLocation) -> ScalarValue? {
        let resolution: YAMLCoreSchema.Resolution = style == .plain ? YAMLCoreSchema.resolvePlain(text) : .value(.string(text))
        var value: ScalarValue
        switch resolution {
        case .integerOutOfRange:
            diagnostics.append(.error("integer \(text) is out of range", at: location))
            value = .string(text)
        case .value(let resolved):
            value = resolved
        }
        guard let tag, tag != "!" else { return value }
        switch tag {
        case "tag:yaml.org,2002:str":
            value = .string(text)
        case "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null":
            guard case .value(let resolved) = YAMLCoreSchema.resolvePlain(text), resolved.matches(tag: tag) else {
                diagnostics.append(.error("'\(text)' is not a valid \(shortTag(tag))", at: location))
                return value
            }
            value = resolved
        default:
            diagnostics.append(.error("unsupported tag '\(shortTag(tag))'; playbooks use plain YAML without tags", at: location))
            return .string(text)
        }
        return value
    }

    private func scalarStyle(_ style: yaml_scalar_style_t) -> YAMLScalar.Style {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: return .literal
        case YAML_FOLDED_SCALAR_STYLE: return .folded
        default: return .plain
        }
    }

    private func shortTag(_ tag: String) -> String {
        let prefix = "tag:yaml.org,2002:"
        return tag.hasPrefix(prefix) ? "!!" + tag.dropFirst(prefix.count) : tag
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>) -> String {
        String(cString: pointer)
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, length: Int) -> String {
        guard let pointer else { return "" }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }
}

private extension ScalarValue {
    func matches(tag: String) -> Bool {
        switch (self, tag) {
        case (.int, "tag:yaml.org,2002:int"), (.bool, "tag:yaml.org,2002:bool"), (.null, "tag:yaml.org,2002:null"): return true
        case (.float, "tag:yaml.org,2002:float"), (.int, "tag:yaml.org,2002:float"): return true
        default: return false
        }
    }
}
