import Engine
import Foundation
import Handlers
import Playbook

/// Loading playbooks and records for the engine tests.
enum EngineFixtures {
    static let workflows: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Workflows").path

    static let registry = BuiltInHandlers.registry()

    static func shipped(_ name: String) throws -> Playbook {
        let result = PlaybookLoader(catalog: registry, root: URL(fileURLWithPath: workflows)).load(path: "\(workflows)/\(name).yaml")
        guard let playbook = result.playbook else { throw DiagnosticsError(result.diagnostics) }
        return playbook
    }

    static func playbook(_ text: String) throws -> Playbook {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("offboard-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("playbook.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let result = PlaybookLoader(catalog: registry).load(path: path)
        guard let playbook = result.playbook else { throw DiagnosticsError(result.diagnostics) }
        return playbook
    }

    static func record(_ json: String, file: String = "record.json") -> YAMLNode {
        YAMLComposer.compose(Array(json.utf8), file: file).root!
    }

    static func sample(_ name: String) -> YAMLNode {
        let path = "\(workflows)/samples/\(name).json"
        return YAMLComposer.compose(Array(FileManager.default.contents(atPath: path)!), file: "samples/\(name).json").root!
    }

    static func date(_ text: String) -> Date { DateText.parseDateTime(text, defaultTimeZone: nil)! }
}
