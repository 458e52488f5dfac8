import Foundation
import Handlers
import Playbook

/// Paths and helpers shared by the playbook tests.
enum Fixtures {
    /// `Tests/PlaybookTests/Fixtures`, found from this file so tests do not depend on the working directory.
    static let root: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    /// The repository's `Workflows` directory.
    static let workflows: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Workflows").path

    static func path(_ relative: String) -> String { (root as NSString).appendingPathComponent(relative) }

    static let catalog = BuiltInHandlers.registry()

    static func load(_ path: String, limits: YAMLLimits = .default, root: String? = nil) -> PlaybookLoader.Result {
        PlaybookLoader(catalog: catalog, limits: limits, root: root.map { URL(fileURLWithPath: $0) }).load(path: path)
    }

    /// Diagnostics as printed, with the fixture directory removed from paths.
    static func lines(_ diagnostics: [Diagnostic], relativeTo directory: String) -> [String] {
        diagnostics.map { $0.description.replacingOccurrences(of: directory + "/", with: "") }
    }

    /// Writes `files` (relative path → contents) into a new temporary directory.
    static func temporaryDirectory(_ files: [String: String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("offboard-tests-\(UUID().uuidString)")
        for (name, contents) in files {
            let url = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try contents.write(to: url, atomically: true, encoding: .utf8)
        }
        return directory.path
    }

    /// Composes YAML text.
    static func compose(_ text: String, limits: YAMLLimits = .default) -> YAMLComposer.Result {
        YAMLComposer.compose(Array(text.utf8), file: "test.yaml", limits: limits)
    }
}
