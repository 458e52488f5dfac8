import Foundation
import Playbook

/// A plugin's manifest (`NAME.plugin.yaml` in the plugins directory): the `uses:` type it adds,
/// the executable that implements it, and its parameter schema, which `validate` checks like a
/// built-in handler's.
///
/// ```yaml
/// plugin: badge.revoke
/// summary: Revokes a building badge through the facilities API.
/// executable: badge-revoke.py          # relative to this file
/// timeout: 30s                         # per call (default 60s)
/// actions: [plan, execute, verify]     # what the executable answers (execute is required)
/// parameters:
///   badge_id:  { type: string, required: true, description: the badge number }
///   api_token: { type: string, secret: true, description: "facilities API token, as ${secret:NAME}" }
///   floors:    { type: list, items: int }
/// ```
public struct PluginManifest: Sendable {
    public var type: String
    public var summary: String
    /// Absolute path of the executable.
    public var executable: String
    public var timeout: TimeInterval
    public var actions: Set<String>
    public var parameters: ParameterSchema
    /// `removes_access: true`: its steps end some of the leaver's access (timed in the evidence pack).
    public var removesAccess = false
    /// Where the manifest is, for messages.
    public var file: String

    /// Every `*.plugin.yaml` in `directory`, with every problem as a diagnostic (file:line:col).
    public static func loadAll(from directory: String) -> (manifests: [PluginManifest], diagnostics: [Diagnostic]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            return ([], [.error("plugins directory \(directory) cannot be read", at: nil)])
        }
        var manifests: [PluginManifest] = [], diagnostics: [Diagnostic] = []
        for name in names.sorted() where name.hasSuffix(".plugin.yaml") || name.hasSuffix(".plugin.yml") {
            let path = (directory as NSString).appendingPathComponent(name)
            switch load(path: path) {
            case .success(let manifest): manifests.append(manifest)
            case .failure(let problems): diagnostics += problems.diagnostics
            }
        }
        return (manifests, diagnostics)
    }

    public static func load(path: String) -> Result<PluginManifest, DiagnosticsError> {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(DiagnosticsError([.error("cannot read \(path)", at: nil)]))
        }
        let composed = YAMLComposer.compose([UInt8](data), file: path)
        guard let root = composed.root, composed.diagnostics.allSatisfy({ $0.severity != .error }) else {
            return .failure(DiagnosticsError(composed.diagnostics))
        }
        var reader = ManifestReader(file: path)
        let manifest = reader.manifest(root)
        if let manifest, reader.diagnostics.isEmpty { return .success(manifest) }
        return .failure(DiagnosticsError(reader.diagnostics))
    }
}

/// Reads a manifest's node tree, collecting every problem.
private struct ManifestReader {
    let file: String
    var diagnostics: [Diagnostic] = []

    static let keys = ["plugin", "summary", "executable", "timeout", "actions", "parameters", "removes_access"]
    static let fieldKeys = ["type", "required", "description", "default", "secret", "items", "values"]
    static let types = ["string", "int", "bool", "duration", "datetime", "list", "map", "any", "enum"]

    mutating func manifest(_ root: YAMLNode) -> PluginManifest? {
        guard let pairs = root.mapping else {
            diagnostics.append(.error("a plugin manifest is a mapping", at: root.location))
            return nil
        }
        for pair in pairs where !Self.keys.contains(pair.name) {
            diagnostics.append(.error("unknown key '\(pair.name)' in a plugin manifest", at: pair.key.location,
                                      suggestion: Suggestion.closest(to: pair.name, in: Self.keys)))
        }
        let type = required(root, "plugin")
        if let type, type.range(of: #"^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$"#, options: .regularExpression) == nil {
            diagnostics.append(.error("plugin type '\(type)' must be lower-case words joined by '.', like badge.revoke", at: root["plugin"]?.location))
        }
        let executable = required(root, "executable").map { name -> String in
            let path = ((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
            if name.hasPrefix("/") || name.split(separator: "/").contains("..") {
                diagnostics.append(.error("executable must be a path inside the plugins directory", at: root["executable"]?.location))
            } else if !FileManager.default.isExecutableFile(atPath: path) {
                diagnostics.append(.error("executable \(name) is missing or not executable", at: root["executable"]?.location))
            }
            return path
        }
        var timeout: TimeInterval = 60
        if let node = root["timeout"] {
            if let text = node.string, let duration = PlaybookDuration(parsing: text) { timeout = TimeInterval(duration.seconds) } else {
                diagnostics.append(.error("timeout must be a duration such as 30s or 2m", at: node.location))
            }
        }
        var actions: Set<String> = ["execute"]
        if let node = root["actions"] {
            let names = node.sequence?.compactMap(\.string) ?? []
            for name in names where !["plan", "execute", "verify", "compensate"].contains(name) {
                diagnostics.append(.error("unknown action '\(name)' (plan, execute, verify, compensate)", at: node.location))
            }
            if !names.contains("execute") { diagnostics.append(.error("actions must include execute", at: node.location)) }
            actions = Set(names)
        }
        var fields: [ParameterField] = []
        if let node = root["parameters"] {
            guard let pairs = node.mapping else {
                diagnostics.append(.error("parameters is a mapping of name to { type, … }", at: node.location))
                return nil
            }
            for pair in pairs { if let field = field(pair) { fields.append(field) } }
        }
        var removesAccess = false
        if let node = root["removes_access"] {
            if case .bool(let flag)? = node.scalar?.value { removesAccess = flag } else {
                diagnostics.append(.error("removes_access must be true or false", at: node.location))
            }
        }
        guard let type, let executable else { return nil }
        var manifest = PluginManifest(type: type, summary: root["summary"]?.string ?? "Plugin \(type).", executable: executable, timeout: timeout,
                                      actions: actions, parameters: ParameterSchema(fields), file: file)
        manifest.removesAccess = removesAccess
        return manifest
    }

    private mutating func required(_ node: YAMLNode, _ key: String) -> String? {
        guard let value = node[key]?.string, !value.isEmpty else {
            diagnostics.append(.error("a plugin manifest needs '\(key)'", at: node[key]?.location ?? node.location))
            return nil
        }
        return value
    }

    private mutating func field(_ pair: YAMLPair) -> ParameterField? {
        guard pair.value.mapping != nil else {
            diagnostics.append(.error("parameter '\(pair.name)' is a mapping such as { type: string }", at: pair.value.location))
            return nil
        }
        for key in pair.value.mapping ?? [] where !Self.fieldKeys.contains(key.name) {
            diagnostics.append(.error("unknown key '\(key.name)' in parameter '\(pair.name)'", at: key.key.location,
                                      suggestion: Suggestion.closest(to: key.name, in: Self.fieldKeys)))
        }
        guard let type = parameterType(pair.value, name: pair.name) else { return nil }
        let secret = pair.value["secret"]?.scalar?.value == .bool(true)
        return ParameterField(pair.name, type, required: pair.value["required"]?.scalar?.value == .bool(true),
                              description: pair.value["description"]?.string ?? "", sensitive: secret, acceptsSecrets: secret,
                              default: pair.value["default"].map(Self.json))
    }

    private mutating func parameterType(_ node: YAMLNode, name: String) -> ParameterType? {
        let text = node["type"]?.string ?? "string"
        switch text {
        case "string": return .string
        case "int": return .int
        case "bool": return .bool
        case "duration": return .duration
        case "datetime": return .datetime
        case "any": return .any
        case "map": return .map(.any)
        case "enum":
            let values = node["values"]?.sequence?.compactMap(\.string) ?? []
            if values.isEmpty { diagnostics.append(.error("parameter '\(name)': enum needs values: [...]", at: node.location)) }
            return .enumeration(values)
        case "list":
            guard let items = node["items"] else { return .list(.any) }
            let key = YAMLNode(.scalar(YAMLScalar(text: "type", style: .plain, value: .string("type"), columnsMapOneToOne: false)), at: items.location)
            return parameterType(YAMLNode(.mapping([YAMLPair(key: key, value: items)]), at: items.location), name: name).map { .list($0) }
        default:
            diagnostics.append(.error("parameter '\(name)' has unknown type '\(text)'", at: node["type"]?.location ?? node.location,
                                      suggestion: Suggestion.closest(to: text, in: Self.types)))
            return nil
        }
    }

    /// A default value as JSON.
    static func json(_ node: YAMLNode) -> JSONValue {
        switch node.content {
        case .scalar(let scalar):
            switch scalar.value {
            case .null: return .null
            case .bool(let flag): return .bool(flag)
            case .int(let number): return .int(number)
            case .float(let number): return .number(number)
            case .string(let text): return .string(text)
            }
        case .sequence(let items): return .array(items.map(json))
        case .mapping(let pairs): return .object(Dictionary(pairs.map { ($0.name, json($0.value)) }, uniquingKeysWith: { $1 }))
        }
    }
}
