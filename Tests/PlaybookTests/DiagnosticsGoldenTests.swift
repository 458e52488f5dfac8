import Foundation
import Playbook
import Testing

/// Each `Fixtures/invalid/NAME.yaml` must give exactly the diagnostics in `NAME.expected`,
/// line and column included, all at once and in source order.
@Suite struct DiagnosticsGoldenTests {
    static let cases = ["unknown-names", "expressions", "graph", "parameters", "yaml-rules", "syntax", "inputs", "people"]

    @Test(arguments: cases)
    func matchesGoldenFile(_ name: String) throws {
        let directory = Fixtures.path("invalid")
        let result = Fixtures.load("\(directory)/\(name).yaml")
        #expect(result.playbook == nil)
        let expected = try String(contentsOfFile: "\(directory)/\(name).expected", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let actual = Fixtures.lines(result.diagnostics, relativeTo: directory)
        #expect(actual == expected, "\n\(actual.joined(separator: "\n"))")
    }

    @Test func everyGoldenFileIsCovered() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixtures.path("invalid"))
        let names = Set(files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) })
        #expect(names == Set(Self.cases))
    }
}
