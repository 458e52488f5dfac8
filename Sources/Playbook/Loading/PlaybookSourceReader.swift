import Foundation

/// Reads and composes the YAML files of one playbook load, keeping includes inside the playbook
/// directory: no absolute paths, no `..` that leaves it, no symbolic link that points out of it.
struct PlaybookSourceReader {
    let limits: YAMLLimits
    /// The directory every file of this load must stay inside (symbolic links resolved).
    let confinementRoot: URL

    init(limits: YAMLLimits, confinementRoot: URL) {
        self.limits = limits
        self.confinementRoot = confinementRoot.standardizedFileURL.resolvingSymlinksInPath()
    }

    /// A file to read: its path for messages (as the user would type it) and on disk.
    struct SourcePath: Hashable {
        var display: String
        var url: URL
    }

    enum ReadError: Error {
        case diagnostics([Diagnostic])
    }

    /// The top-level file as the user named it.
    static func topLevel(_ path: String) -> SourcePath {
        SourcePath(display: path, url: URL(fileURLWithPath: path).standardizedFileURL)
    }

    /// Resolves `reference` (written at `location` in `includer`) relative to the including file.
    func resolve(_ reference: String, from includer: SourcePath, at location: SourceLocation, keyword: String) -> Result<SourcePath, Diagnostic> {
        if reference.isEmpty {
            return .failure(.error("\(keyword) needs a file path", at: location))
        }
        if reference.hasPrefix("/") || reference.hasPrefix("~") || reference.contains("\\") || reference.contains("\0") {
            return .failure(.error("\(keyword) path '\(reference)' must be relative to this file, inside the playbook directory", at: location))
        }
        let directory = includer.url.deletingLastPathComponent()
        let url = directory.appendingPathComponent(reference).standardizedFileURL
        guard isInside(url) else {
            return .failure(.error("\(keyword) path '\(reference)' escapes the playbook directory \(confinementRoot.path)", at: location))
        }
        let display = Self.normalize(((includer.display as NSString).deletingLastPathComponent as NSString).appendingPathComponent(reference))
        return .success(SourcePath(display: display, url: url))
    }

    private func isInside(_ url: URL) -> Bool {
        let rootPath = confinementRoot.path.hasSuffix("/") ? confinementRoot.path : confinementRoot.path + "/"
        let lexical = url.standardizedFileURL.path
        let real = url.resolvingSymlinksInPath().path
        return lexical.hasPrefix(rootPath) && real.hasPrefix(rootPath)
    }

    /// Reads and composes one file; diagnostics name it by its display path.
    func read(_ source: SourcePath, requestedAt location: SourceLocation?) -> Result<YAMLComposer.Result, Diagnostic> {
        let path = source.url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(.error("no such file: \(source.display)", at: location))
        }
        guard !isDirectory.boolValue else {
            return .failure(.error("\(source.display) is a directory, not a playbook file", at: location))
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > limits.maxFileBytes {
            return .failure(.error("file is \(size) bytes, larger than the limit of \(limits.maxFileBytes) bytes",
                                   at: SourceLocation(file: source.display, line: 1, column: 1)))
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return .failure(.error("cannot read \(source.display)", at: location))
        }
        defer { try? handle.close() }
        let data: Data = (try? handle.read(upToCount: limits.maxFileBytes + 1)) ?? Data()
        return .success(YAMLComposer.compose(Array(data), file: source.display, limits: limits))
    }

    /// Removes `.` and `name/..` from a path without touching the file system.
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
    }
}
