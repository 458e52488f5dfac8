import Engine
import Foundation
import Handlers
import Playbook
import Testing

/// The documentation stays true to the code: its example playbooks validate, and the handler
/// reference lists every parameter of every built-in handler.
@Suite struct DocumentationTests {
    static func yamlBlocks(in file: String) throws -> [String] {
        let text = try String(contentsOfFile: "\(CLI.repositoryRoot)/\(file)", encoding: .utf8)
        var blocks: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```yaml" {
                current = []
            } else if current != nil, line == "```" {
                blocks.append(current!.joined(separator: "\n") + "\n")
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    /// The README shows every shipped HR hook mapping, one per verifier, exactly as the file in Workflows/hooks has it.
    @Test func theReadmeShowsEachShippedHookMappingAsItIs() throws {
        let blocks = Set(try Self.yamlBlocks(in: "README.md"))
        let directory = "\(CLI.repositoryRoot)/Workflows/hooks"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".hook.yaml") }.sorted()
        #expect(files.count == 5, "\(files)")
        var schemes: Set<String> = []
        for file in files {
            let text = try String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8)
            #expect(blocks.contains(text), "README.md has no block identical to Workflows/hooks/\(file)")
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("  scheme: ") }) { schemes.insert(String(line.dropFirst(10))) }
        }
        #expect(schemes == ["bamboohr", "hibob", "deel", "standard-webhooks", "bearer"], "one shipped mapping per verifier: \(schemes)")
    }

    @Test func examplePlaybooksInTheDocsAreValid() throws {
        let blocks = try Self.yamlBlocks(in: "docs/playbooks.md") + Self.yamlBlocks(in: "README.md")
        let playbooks = blocks.filter { $0.hasPrefix("playbook:") }
        #expect(playbooks.count >= 2)
        // Examples sit beside a copy of the shipped playbooks, so an example may extend them.
        let directory = NSTemporaryDirectory() + "offboard-docs-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: "\(CLI.repositoryRoot)/Workflows", toPath: directory)
        let loader = PlaybookLoader(catalog: BuiltInHandlers.registry(), root: URL(fileURLWithPath: directory))
        for (index, example) in playbooks.enumerated() {
            let path = "\(directory)/example-\(index).yaml"
            try example.write(toFile: path, atomically: true, encoding: .utf8)
            let result = loader.load(path: path)
            #expect(result.diagnostics.isEmpty, "example \(index):\n\(example)\n\(result.diagnostics)")
        }
    }

    @Test func theHandlerReferenceListsEveryParameter() throws {
        let text = try String(contentsOfFile: "\(CLI.repositoryRoot)/docs/playbooks.md", encoding: .utf8)
        for handler in BuiltInHandlers.all {
            let heading = "#### `\(handler.type)`"
            let range = try #require(text.range(of: heading), "docs/playbooks.md has no section \(heading)")
            let section = text[range.upperBound...].split(separator: "#### ").first ?? ""
            for field in handler.parameters.fields {
                #expect(section.contains("| `\(field.name)` |"), "\(handler.type).\(field.name) is not documented")
            }
        }
    }
}
