import Engine
import Foundation
import Playbook
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The named playbooks a server offers: only names in the workflows directory, never a path, so a caller
/// cannot make it read any other file.
public struct PlaybookCatalog: Sendable {
    public let directory: String
    public let registry: HandlerRegistry
    public let limits: YAMLLimits
    /// Loaded playbooks, kept while none of the files each was read from has changed (an edit is seen at the next use).
    private let cache = LoadedPlaybooks()

    public init(directory: String, registry: HandlerRegistry, limits: YAMLLimits = .default) {
        self.directory = directory
        self.registry = registry
        self.limits = limits
    }

    /// Why a named playbook is not available.
    public enum Failure: Error, Sendable {
        /// No playbook of that name (the message suggests the closest name).
        case notFound(String)
        /// The file exists and does not load; the diagnostics say why.
        case invalid(name: String, diagnostics: [Diagnostic])
    }

    /// The playbook named `name` (letters, digits, '-', '_' and '.', not starting with '.').
    public func playbook(named name: String) throws(Failure) -> Playbook {
        let allowed = name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."): true
            default: false
            }
        }
        guard allowed, !name.isEmpty, name.count <= 128, !name.hasPrefix("."), !name.hasSuffix(".yaml"), !name.hasSuffix(".yml") else {
            throw .notFound("'\(SafeText.terminal(name))' is not a playbook name (letters, digits, '-', '_' and '.')")
        }
        // Only <directory>/<name>.yaml or .yml: never a file named by the caller relative to the working directory.
        let folder = directory.isEmpty || directory.hasSuffix("/") ? directory : directory + "/"
        let candidates = [".yaml", ".yml"].map { folder + name + $0 }
        // Every HR trigger asks: a playbook loaded from <name>.yaml whose files are all unchanged is the answer, with
        // no other look at the directory (a .yml beside it never wins over the .yaml).
        if let cached = cache.playbook(at: candidates[0]) { return cached }
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            var message = "no playbook named '\(SafeText.terminal(name))' in \(directory)"
            if let suggestion = Suggestion.closest(to: name, in: names) { message += "; did you mean '\(suggestion)'?" }
            throw .notFound(message)
        }
        if let cached = cache.playbook(at: path) { return cached }
        let result = PlaybookLoader(catalog: registry, limits: limits, root: URL(fileURLWithPath: directory)).load(path: path)
        guard let playbook = result.playbook else { throw .invalid(name: name, diagnostics: result.diagnostics) }
        cache.keep(playbook, at: path, files: result.files)
        return playbook
    }

    /// The names on offer.
    public var names: [String] { PlaybookLocator(workflowsDirectory: directory).availableNames() }
}

/// Playbooks loaded by path, each with the modification time and size of every file it was read from.
final class LoadedPlaybooks: Sendable {
    private struct Entry {
        var playbook: Playbook
        var files: [String: FileStamp]
    }

    /// A file's modification time (to the nanosecond), size and inode; all zero when it cannot be read.
    /// One `stat` per file: every HR trigger checks its playbook's files (FileManager builds a dictionary of
    /// every attribute each time).
    private struct FileStamp: Equatable {
        var seconds = 0, nanoseconds = 0, size = 0, inode: UInt64 = 0

        init(_ path: String) {
            var status = stat()
            guard stat(path, &status) == 0 else { return }
            seconds = Int(status.st_mtim.tv_sec)
            nanoseconds = Int(status.st_mtim.tv_nsec)
            size = Int(status.st_size)
            inode = UInt64(status.st_ino)
        }
    }

    private let entries = Mutex<[String: Entry]>([:])

    func playbook(at path: String) -> Playbook? {
        guard let entry = entries.withLock({ $0[path] }) else { return nil }
        return entry.files.allSatisfy { FileStamp($0.key) == $0.value } ? entry.playbook : nil
    }

    func keep(_ playbook: Playbook, at path: String, files: [String]) {
        let stamps = Dictionary((files + [path]).map { ($0, FileStamp($0)) }, uniquingKeysWith: { first, _ in first })
        entries.withLock { $0[path] = Entry(playbook: playbook, files: stamps) }
    }
}

/// A leaver's record bound to a playbook's inputs, with every problem named by its field.
public enum LeaverRecord {
    /// One problem with a record: the input it is about (when one is), where, and what.
    public struct Problem: Sendable, Hashable, Codable {
        public var field: String?
        public var line: Int?
        public var column: Int?
        public var severity: String
        public var message: String
    }

    /// Binds `record` (a mapping composed from the caller's bytes) to `playbook`'s inputs; throws every problem.
    public static func bind(_ record: YAMLNode?, to playbook: Playbook, now: Date) throws(DiagnosticsError) -> BoundInputs {
        try InputBinder.bind(playbook, record: record, overrides: [], now: now)
    }

    /// `message` with every value the caller gave (quoted, as diagnostics quote them) replaced by ⟪its field⟫: a problem names
    /// fields and never echoes what they hold, which may be personal ("got ⟪leave_at⟫", not the text sent).
    static func withoutValues(_ message: String, of pairs: [YAMLPair]) -> String {
        var text = message
        let values = pairs.compactMap { pair in pair.value.scalar.map { (pair.name, $0.text) } }.filter { !$0.1.isEmpty }
        for (name, value) in values.sorted(by: { $0.1.count > $1.1.count }) {
            text = text.replacingOccurrences(of: "'\(value)'", with: "⟪\(name)⟫")
        }
        return text
    }

    /// The problems of `diagnostics`, each with the input field it points into when it points into one of `record`'s fields.
    public static func problems(_ diagnostics: [Diagnostic], record: YAMLNode?, playbook: Playbook?, concealingValues: Bool = true) -> [Problem] {
        let pairs = record?.mapping ?? []
        let inputNames = Set(playbook?.inputs.map(\.name) ?? [])
        // A record rebuilt from JSON (`node(from:)`) has every node at 1:1: places then say nothing.
        let placed = Set(pairs.map(\.key.location)).count == pairs.count
        return diagnostics.map { diagnostic in
            // "missing required input 'email' (email)", "field 'x' is not an input": the first quoted word that is an
            // input or a field of the record; else the field the diagnostic's place is in.
            let names = inputNames.union(pairs.map(\.name))
            var field = diagnostic.message.split(separator: "'").enumerated().first { $0.offset % 2 == 1 && names.contains(String($0.element)) }
                .map { String($0.element) }
            if field == nil, placed, let location = diagnostic.location {
                field = pairs.first { $0.key.location == location || $0.value.location == location }?.name
            }
            return Problem(field: field, line: placed ? diagnostic.location?.line : nil, column: placed ? diagnostic.location?.column : nil,
                           severity: diagnostic.severity.rawValue, message: concealingValues ? withoutValues(diagnostic.message, of: pairs) : diagnostic.message)
        }
    }
}

extension LeaverRecord {
    /// `json` as a composed node (keys sorted), for a record that arrived as JSON that YAML does not read as it is
    /// (control characters, surrogate-pair escapes): every node sits at `file`:1:1.
    public static func node(from json: JSONValue, file: String) -> YAMLNode {
        node(from: json, at: SourceLocation(file: file, line: 1, column: 1))
    }

    /// `json` as a composed node with every node at `here`.
    public static func node(from json: JSONValue, at here: SourceLocation) -> YAMLNode {
        func scalar(_ text: String, _ value: ScalarValue, _ style: YAMLScalar.Style = .plain) -> YAMLNode {
            YAMLNode(.scalar(YAMLScalar(text: text, style: style, value: value, columnsMapOneToOne: false)), at: here)
        }
        switch json {
        case .null: return scalar("null", .null)
        case .bool(let value): return scalar(value ? "true" : "false", .bool(value))
        case .int(let value): return scalar(String(value), .int(value))
        case .number(let value): return scalar(String(value), .float(value))
        case .string(let value): return scalar(value, .string(value), .doubleQuoted)
        case .array(let items): return YAMLNode(.sequence(items.map { node(from: $0, at: here) }), at: here)
        case .object(let fields):
            return YAMLNode(.mapping(fields.sorted { $0.key < $1.key }.map { YAMLPair(key: scalar($0.key, .string($0.key), .doubleQuoted), value: node(from: $0.value, at: here)) }), at: here)
        }
    }
}
