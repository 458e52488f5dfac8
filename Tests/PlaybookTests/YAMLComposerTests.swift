import Foundation
@testable import Playbook
import Testing

@Suite struct YAMLComposerTests {
    @Test func nodesKeepTheirLineAndColumn() throws {
        let result = Fixtures.compose("a: 1\nlist:\n  - x\n  - { k: v }\n")
        let root = try #require(result.root)
        #expect(root.location.line == 1 && root.location.column == 1)
        let list = try #require(root["list"]?.sequence)
        #expect(list[0].location == SourceLocation(file: "test.yaml", line: 3, column: 5))
        #expect(list[1]["k"]?.location == SourceLocation(file: "test.yaml", line: 4, column: 10))
    }

    @Test(arguments: [
        ("NO", ScalarValue.string("NO")), ("yes", .string("yes")), ("off", .string("off")), ("true", .bool(true)),
        ("False", .bool(false)), ("~", .null), ("null", .null), ("", .null), ("42", .int(42)), ("-7", .int(-7)),
        ("0o17", .int(15)), ("0x1F", .int(31)), ("017", .int(17)), ("1.5", .float(1.5)), ("1e3", .float(1000)),
        ("2026-12-04", .string("2026-12-04")), ("1h30m", .string("1h30m")), ("0b101", .string("0b101")),
    ])
    func plainScalarsResolveByTheCoreSchema(_ text: String, _ expected: ScalarValue) throws {
        let root = try #require(Fixtures.compose("v: \(text)\n").root)
        #expect(root["v"]?.scalar?.value == expected)
    }

    @Test func quotedScalarsAreAlwaysStrings() throws {
        let root = try #require(Fixtures.compose("a: 'true'\nb: \"42\"\nc: !!str 7\n").root)
        #expect(root["a"]?.scalar?.value == .string("true"))
        #expect(root["b"]?.scalar?.value == .string("42"))
        #expect(root["c"]?.scalar?.value == .string("7"))
    }

    @Test func duplicateKeysAreErrorsAtTheSecondKey() {
        let result = Fixtures.compose("a: 1\nb: 2\na: 3\n")
        #expect(result.diagnostics.map(\.description) == ["test.yaml:3:1: error: duplicate key 'a' (first defined at line 1)"])
    }

    @Test(arguments: ["v: !!python/object:os.system x\n", "v: !foo x\n", "v: !!binary aGk=\n", "v: !custom { a: 1 }\n"])
    func customTagsAreRefused(_ text: String) {
        let result = Fixtures.compose(text)
        #expect(result.diagnostics.contains { $0.severity == .error && $0.message.hasPrefix("unsupported tag") })
    }

    @Test func nonUTF8IsRefusedWithItsByteOffset() {
        var bytes = Array("a: 1\nb: caf".utf8)
        bytes += [0xE9, 0x0A]
        let result = YAMLComposer.compose(bytes, file: "latin1.yaml")
        #expect(result.root == nil)
        #expect(result.diagnostics.map(\.description) == ["latin1.yaml:2:7: error: file is not valid UTF-8: invalid byte at offset 11"])
    }

    @Test func utf16IsRefused() {
        let bytes: [UInt8] = [0xFF, 0xFE] + Array("a: 1".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        let result = YAMLComposer.compose(bytes, file: "utf16.yaml")
        #expect(result.diagnostics.first?.message == "file is not valid UTF-8: invalid byte at offset 0")
    }

    @Test func fileSizeLimit() {
        let result = YAMLComposer.compose(Array(repeating: UInt8(ascii: "a"), count: 200), file: "big.yaml", limits: YAMLLimits(maxFileBytes: 100))
        #expect(result.diagnostics.first?.message == "file is 200 bytes, larger than the limit of 100 bytes")
    }

    @Test func depthLimit() {
        let deep = String(repeating: "[", count: 70) + String(repeating: "]", count: 70)
        let result = Fixtures.compose("v: \(deep)\n")
        #expect(result.root == nil)
        #expect(result.diagnostics.first?.message == "nesting is deeper than the limit of 64 levels")
        #expect(Fixtures.compose("v: \(deep)\n", limits: YAMLLimits(maxDepth: 100)).diagnostics.isEmpty)
    }

    @Test func aliasBombIsRefusedWithoutExpanding() {
        // Nine levels of ten aliases each would expand to 10^9 nodes.
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...9 {
            let previous = "*a\(level - 1)"
            lines.append("a\(level): &a\(level) [\(Array(repeating: previous, count: 10).joined(separator: ", "))]")
        }
        let result = Fixtures.compose(lines.joined(separator: "\n") + "\n")
        #expect(result.root == nil)
        #expect(result.diagnostics.first?.message == "aliases expand to more than 10000 nodes; refusing (an alias bomb?)")
    }

    @Test func smallAliasesAreExpanded() throws {
        let root = try #require(Fixtures.compose("base: &b { retry: 3 }\ncopy: *b\n").root)
        #expect(root["copy"]?["retry"]?.scalar?.value == .int(3))
    }

    @Test func unknownAliasIsAnError() {
        let result = Fixtures.compose("a: *nothing\n")
        #expect(result.diagnostics.first?.message == "unknown alias '*nothing': no anchor '&nothing' appears before it")
    }

    @Test func nodeLimit() {
        let list = "[" + Array(repeating: "1", count: 50).joined(separator: ",") + "]"
        let result = Fixtures.compose("v: \(list)\n", limits: YAMLLimits(maxNodes: 20))
        #expect(result.diagnostics.first?.message == "document has more than the limit of 20 nodes")
    }

    @Test func oneDocumentPerFile() {
        let result = Fixtures.compose("a: 1\n---\nb: 2\n")
        #expect(result.diagnostics.map(\.description) == ["test.yaml:2:1: error: a playbook file holds one YAML document; a second one starts here"])
    }

    @Test func emptyFile() {
        #expect(Fixtures.compose("").diagnostics.first?.message == "file holds no YAML document")
        #expect(Fixtures.compose("# only a comment\n").diagnostics.first?.message == "file holds no YAML document")
    }

    @Test func integerOutOfRange() {
        let result = Fixtures.compose("v: 99999999999999999999999\n")
        #expect(result.diagnostics.first?.message == "integer 99999999999999999999999 is out of range")
    }

    @Test func syntaxErrorsCarryLibyamlsPosition() {
        let result = Fixtures.compose("a: [1, 2\nb: 3\n")
        #expect(result.root == nil)
        let diagnostic = result.diagnostics.first
        #expect(diagnostic?.location?.line == 2)
        #expect(diagnostic?.message.contains("flow sequence") == true)
    }

    @Test func columnsInsideScalarsCountCodePointsLikeLibyaml() throws {
        let directory = try Fixtures.temporaryDirectory(["u.yaml": """
            playbook: u
            version: 1
            inputs: { name: string }
            steps:
              - { id: a, uses: log, with: { message: "Grüße an 👋🏽 {{ inputs.nme }}" } }
            """])
        let result = Fixtures.load("\(directory)/u.yaml")
        #expect(result.diagnostics.map(\.location?.column) == [65])
    }

    @Test func singleLineScalarsMapColumns() throws {
        let root = try #require(Fixtures.compose("a: \"x {{ y }}\"\nb: |\n  text\n").root)
        #expect(root["a"]?.scalar?.columnsMapOneToOne == true)
        #expect(root["b"]?.scalar?.columnsMapOneToOne == false)
    }
}
