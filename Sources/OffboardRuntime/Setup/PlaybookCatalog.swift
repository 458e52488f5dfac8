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
