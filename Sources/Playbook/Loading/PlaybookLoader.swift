import Foundation

/// Loads a playbook file: libyaml, `extends`/`include`, decoding and validation, reporting every
/// problem at once as compiler-style diagnostics.
public struct PlaybookLoader: Sendable {
    /// The outcome of a load: the playbook when there were no errors, and every diagnostic.
    public struct Result: Sendable {
        public var playbook: Playbook?
        public var diagnostics: [Diagnostic]
        /// Every file read (the playbook, its bases and included fragments).
        public var files: [String]
    }

    public var catalog: any HandlerCatalog
    public var limits: YAMLLimits
    /// The playbook directory: includes must stay inside it. When nil, the directory of the file
    /// being loaded.
    public var root: URL?

    public init(catalog: any HandlerCatalog, limits: YAMLLimits = .default, root: URL? = nil) {
        self.catalog = catalog
        self.limits = limits
        self.root = root
    }

    /// Loads the playbook at `path` (as the user wrote it; diagnostics use the same spelling).
    public func load(path: String) -> Result {
        let source = PlaybookSourceReader.topLevel(path)
        let fileDirectory = source.url.deletingLastPathComponent()
        var confinement = fileDirectory
        if let root {
            let rootPath = root.standardizedFileURL.resolvingSymlinksInPath().path
            if fileDirectory.resolvingSymlinksInPath().path.hasPrefix(rootPath) { confinement = root }
        }
        var resolver = PlaybookResolver(reader: PlaybookSourceReader(limits: limits, confinementRoot: confinement))
        guard let resolved = resolver.resolve(source) else {
            return Result(playbook: nil, diagnostics: resolver.diagnostics.sortedByLocation(), files: resolver.files)
        }
        var decoder = PlaybookDecoder()
        let playbook = decoder.decode(resolved, file: path)
        var validator = PlaybookValidator(playbook: playbook, catalog: catalog, removed: resolved.removed)
        let diagnostics = (resolver.diagnostics + decoder.reader.diagnostics + validator.validate()).sortedByLocation()
        return Result(playbook: diagnostics.containsErrors ? nil : playbook, diagnostics: diagnostics, files: resolver.files)
    }

    /// Loads the canonical document a run pinned at start (already resolved: no `extends`, no
    /// `include`), checking that it still hashes to `sha256`.
    public func loadPinned(_ data: Data, label: String, sha256: String) -> Result {
        let composed = YAMLComposer.compose(Array(data), file: label, limits: YAMLLimits(maxFileBytes: max(limits.maxFileBytes, data.count),
                                                                                          maxDepth: limits.maxDepth, maxAliasExpansion: limits.maxAliasExpansion,
                                                                                          maxNodes: max(limits.maxNodes, 4 * data.count)))
        guard let root = composed.root, let pairs = root.mapping, root["extends"] == nil else {
            let problem = Diagnostic.error("the pinned playbook document is not a resolved playbook", at: SourceLocation(file: label, line: 1, column: 1))
            return Result(playbook: nil, diagnostics: composed.diagnostics + [problem], files: [label])
        }
        let steps = (root["steps"]?.sequence ?? []).map { node in
            PlaybookResolver.ResolvedStep(node: node, provenance: StepProvenance(definedAt: node["id"]?.location ?? node.location))
        }
        let resolved = PlaybookResolver.Resolved(pairs: pairs.filter { $0.name != "steps" }, location: root.location, steps: steps,
                                                 stepsKey: pairs.first { $0.name == "steps" }?.key, removed: [:], baseName: nil)
        var decoder = PlaybookDecoder()
        let playbook = decoder.decode(resolved, file: label)
        var validator = PlaybookValidator(playbook: playbook, catalog: catalog, removed: [:])
        var diagnostics = (composed.diagnostics + decoder.reader.diagnostics + validator.validate()).sortedByLocation()
        if playbook.sha256 != sha256 {
            diagnostics.append(.error("the pinned playbook document hashes to \(playbook.sha256), not \(sha256): it was altered", at: nil))
        }
        return Result(playbook: diagnostics.containsErrors ? nil : playbook, diagnostics: diagnostics, files: [label])
    }

    /// True when the file's top level is a list, the form of a fragment brought in by `include:`
    /// rather than a playbook of its own.
    public func isStepFragment(path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path), data.count <= limits.maxFileBytes else { return false }
        return YAMLComposer.compose(Array(data), file: path, limits: limits).root?.sequence != nil
    }
}
