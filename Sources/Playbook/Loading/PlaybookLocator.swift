import Foundation

/// Finds playbooks by path, or by name in a workflows directory.
public struct PlaybookLocator: Sendable {
    public var workflowsDirectory: String

    public init(workflowsDirectory: String) { self.workflowsDirectory = workflowsDirectory }

    /// Why a playbook could not be found.
    public struct NotFound: Error, CustomStringConvertible {
        public var description: String
    }

    /// The path for `reference`: itself when it names a file, else `<workflows>/<reference>.yaml`.
    public func path(for reference: String) throws(NotFound) -> String {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: reference, isDirectory: &isDirectory), !isDirectory.boolValue { return reference }
        if reference.contains("/") || reference.hasSuffix(".yaml") || reference.hasSuffix(".yml") {
            throw NotFound(description: "no such file: \(reference)")
        }
        for suffix in [".yaml", ".yml"] {
            let candidate = (workflowsDirectory as NSString).appendingPathComponent(reference + suffix)
            if fileManager.fileExists(atPath: candidate) { return candidate }
        }
        let names = availableNames()
        var message = "no playbook named '\(reference)' in \(workflowsDirectory)"
        if let suggestion = Suggestion.closest(to: reference, in: names) {
            message += "; did you mean '\(suggestion)'?"
        } else if !names.isEmpty {
            message += " (available: \(names.joined(separator: ", ")))"
        }
        throw NotFound(description: message)
    }

    /// Names of the playbook files directly in the workflows directory.
    public func availableNames() -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: workflowsDirectory)) ?? []
        return entries.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .map { ($0 as NSString).deletingPathExtension }.sorted()
    }

    /// Every `.yaml`/`.yml` file under `path` (itself when it is a file), sorted; HR hook mappings (`*.hook.yaml`)
    /// are not playbooks and are left out unless `path` names one.
    public static func yamlFiles(under path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [path] }
        guard isDirectory.boolValue else { return path.hasSuffix(".hook.yaml") ? [] : [path] }
        let enumerator = FileManager.default.enumerator(atPath: path)
        var files: [String] = []
        while let entry = enumerator?.nextObject() as? String {
            if entry.hasSuffix(".yaml") || entry.hasSuffix(".yml"), !entry.hasSuffix(".hook.yaml") {
                files.append((path as NSString).appendingPathComponent(entry))
            }
        }
        return files.sorted()
    }

    /// Every HR hook mapping (`*.hook.yaml`) under `path` (itself when it names one), sorted.
    public static func hookFiles(under path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return path.hasSuffix(".hook.yaml") ? [path] : []
        }
        var files: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let entry = enumerator?.nextObject() as? String {
            if entry.hasSuffix(".hook.yaml") { files.append((path as NSString).appendingPathComponent(entry)) }
        }
        return files.sorted()
    }
}
