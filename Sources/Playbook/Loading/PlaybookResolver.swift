import Foundation

/// Applies `extends:` and `include:` on the YAML node level, so the merged document keeps every
/// node's original file and line, and a run can pin it as one self-contained document.
///
/// A child's step entry whose id is in the base overrides it: fields replace the base's, `with`
/// merges key by key (a null value removes a key), `remove: true` drops the step, and
/// `before:`/`after:` with a step id moves it. A new step is appended, or inserted before/after an id.
struct PlaybookResolver {
    /// A playbook document with extends and includes applied.
    struct Resolved {
        var pairs: [YAMLPair]
        var location: SourceLocation
        var steps: [ResolvedStep]
        var stepsKey: YAMLNode?
        var removed: [String: SourceLocation]
        var baseName: String?
    }

    /// One step entry with where it came from.
    struct ResolvedStep {
        var node: YAMLNode
        var provenance: StepProvenance
        var id: String? { node["id"]?.scalar?.text }
    }

    let reader: PlaybookSourceReader
    var diagnostics: [Diagnostic] = []
    /// Every file read, in order.
    var files: [String] = []

    init(reader: PlaybookSourceReader) { self.reader = reader }

    mutating func resolve(_ source: PlaybookSourceReader.SourcePath, chain: [PlaybookSourceReader.SourcePath] = [],
                          requestedAt: SourceLocation? = nil) -> Resolved? {
        if let cycleStart = chain.firstIndex(where: { $0.url.path == source.url.path }) {
            let names = (Array(chain[cycleStart...]) + [source]).map(\.display).joined(separator: " → ")
            diagnostics.append(.error("extends cycle: \(names)", at: requestedAt))
            return nil
        }
        guard let root = compose(source, requestedAt: requestedAt) else { return nil }
        guard let pairs = root.mapping else {
            diagnostics.append(.error("a playbook is a mapping with playbook:, steps: and other keys, not \(root.kindDescription)", at: root.location))
            return nil
        }
        let chain = chain + [source]
        let stepsPair = pairs.first { $0.name == "steps" }
        var entries: [ResolvedStep] = []
        if let stepsNode = stepsPair?.value {
            if let items = stepsNode.sequence {
                entries = expandIncludes(items, from: source, chain: chain)
            } else if stepsNode.scalar?.value != .null {
                diagnostics.append(.error("steps must be a list of steps, not \(stepsNode.kindDescription)", at: stepsNode.location))
            }
        }
        guard let extendsNode = root["extends"] else {
            rejectOverrideKeys(in: entries)
            return Resolved(pairs: pairs.filter { $0.name != "steps" }, location: root.location, steps: entries,
                            stepsKey: stepsPair?.key, removed: [:], baseName: nil)
        }
        guard let reference = extendsNode.string else {
            diagnostics.append(.error("extends takes one file path, not \(extendsNode.kindDescription)", at: extendsNode.location))
            return nil
        }
        let basePath: PlaybookSourceReader.SourcePath
        switch reader.resolve(reference, from: source, at: extendsNode.location, keyword: "extends") {
        case .success(let path): basePath = path
        case .failure(let diagnostic):
            diagnostics.append(diagnostic)
            return nil
        }
        guard var base = resolve(basePath, chain: chain, requestedAt: extendsNode.location) else { return nil }
        base.baseName = basePath.display
        base.pairs = mergeTopLevel(base.pairs, pairs.filter { $0.name != "steps" && $0.name != "extends" })
        base.location = root.location
        if let key = stepsPair?.key { base.stepsKey = key }
        mergeSteps(into: &base, overrides: entries, baseFile: basePath.display)
        return base
    }

    private mutating func compose(_ source: PlaybookSourceReader.SourcePath, requestedAt: SourceLocation?) -> YAMLNode? {
        switch reader.read(source, requestedAt: requestedAt) {
        case .failure(let diagnostic):
            diagnostics.append(diagnostic)
            return nil
        case .success(let result):
            files.append(source.display)
            diagnostics += result.diagnostics
            return result.root
        }
    }

    private mutating func expandIncludes(_ items: [YAMLNode], from source: PlaybookSourceReader.SourcePath,
                                         chain: [PlaybookSourceReader.SourcePath]) -> [ResolvedStep] {
        var steps: [ResolvedStep] = []
        for item in items {
            guard let includeNode = item["include"] else {
                if item.mapping == nil {
                    diagnostics.append(.error("a step is a mapping with id: and uses:, not \(item.kindDescription)", at: item.location))
                } else {
                    let idLocation = item.mapping?.first { $0.name == "id" }?.key.location ?? item.location
                    steps.append(ResolvedStep(node: item, provenance: StepProvenance(definedAt: idLocation)))
                }
                continue
            }
            if let extra = item.mapping?.first(where: { $0.name != "include" }) {
                diagnostics.append(.error("an include entry holds only include:, not '\(extra.name)'", at: extra.key.location))
            }
            guard let reference = includeNode.string else {
                diagnostics.append(.error("include takes one file path, not \(includeNode.kindDescription)", at: includeNode.location))
                continue
            }
            let path: PlaybookSourceReader.SourcePath
            switch reader.resolve(reference, from: source, at: includeNode.location, keyword: "include") {
            case .success(let resolved): path = resolved
            case .failure(let diagnostic):
                diagnostics.append(diagnostic)
                continue
            }
            if let cycleStart = chain.firstIndex(where: { $0.url.path == path.url.path }) {
                let names = (Array(chain[cycleStart...]) + [path]).map(\.display).joined(separator: " → ")
                diagnostics.append(.error("include cycle: \(names)", at: includeNode.location))
                continue
            }
            guard let fragment = compose(path, requestedAt: includeNode.location) else { continue }
            guard let fragmentItems = fragment.sequence else {
                diagnostics.append(.error("an included file holds a list of steps, not \(fragment.kindDescription)", at: fragment.location))
                continue
            }
            for var step in expandIncludes(fragmentItems, from: path, chain: chain + [path]) {
                if step.provenance.includedFrom == nil { step.provenance.includedFrom = includeNode.location }
                steps.append(step)
            }
        }
        return steps
    }

    /// `before:`, `remove:` and `after: <step id>` only make sense when extending another playbook.
    private mutating func rejectOverrideKeys(in entries: [ResolvedStep]) {
        for entry in entries {
            for pair in entry.node.mapping ?? [] where pair.name == "remove" || pair.name == "before"
                || (pair.name == "after" && Self.isPosition(pair.value)) {
                let what = pair.name == "after" ? "after: with a step id" : "\(pair.name):"
                let hint = pair.name == "after" ? " (after: otherwise takes a duration such as 2h; order steps with needs)" : ""
                diagnostics.append(.error("\(what) only applies in a playbook that extends another\(hint)", at: pair.key.location))
            }
        }
    }

    /// True when an `after:` value names a step rather than a duration.
    static func isPosition(_ node: YAMLNode) -> Bool {
        guard let text = node.string else { return false }
        return PlaybookDuration(parsing: text) == nil && !Template.containsSyntax(text)
    }

    private func mergeTopLevel(_ base: [YAMLPair], _ child: [YAMLPair]) -> [YAMLPair] {
        var merged = base
        for pair in child {
            guard let index = merged.firstIndex(where: { $0.name == pair.name }) else {
                merged.append(pair)
                continue
            }
            if pair.name == "inputs" || pair.name == "defaults", let basePairs = merged[index].value.mapping, let childPairs = pair.value.mapping {
                merged[index] = YAMLPair(key: pair.key, value: YAMLNode(.mapping(Self.mergeMappings(basePairs, childPairs)), at: pair.value.location))
            } else {
                merged[index] = pair
            }
        }
        return merged
    }

    /// `base` with `child`'s keys replacing or added; with `removingNulls`, a null child value deletes the key.
    static func mergeMappings(_ base: [YAMLPair], _ child: [YAMLPair], removingNulls: Bool = false) -> [YAMLPair] {
        var merged = base
        for pair in child {
            let index = merged.firstIndex { $0.name == pair.name }
            if removingNulls, pair.value.scalar?.value == .null {
                if let index { merged.remove(at: index) }
            } else if let index {
                merged[index] = pair
            } else {
                merged.append(pair)
            }
        }
        return merged
    }
}
