import Foundation
import Playbook
import Testing

/// Every playbook shipped in Workflows/ loads without errors or warnings.
@Suite struct WorkflowsTests {
    static let playbooks = ["base", "standard-leaver", "immediate-leaver", "contractor-end", "acme-leaver", "quickstart-leaver"]

    @Test(arguments: playbooks)
    func shippedPlaybookIsValid(_ name: String) throws {
        let result = Fixtures.load("\(Fixtures.workflows)/\(name).yaml", root: Fixtures.workflows)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let playbook = try #require(result.playbook)
        #expect(playbook.name == name)
        #expect(playbook.sha256.count == 64)
    }

    @Test func everyShippedPlaybookIsListed() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixtures.workflows).filter { $0.hasSuffix(".yaml") }
        #expect(Set(files.map { String($0.dropLast(5)) }) == Set(Self.playbooks))
    }

    @Test func theBusinessOverrideUsesEveryCustomisationFeature() throws {
        let result = Fixtures.load("\(Fixtures.workflows)/acme-leaver.yaml", root: Fixtures.workflows)
        let playbook = try #require(result.playbook)
        #expect(playbook.step("deactivate-identity") == nil)
        #expect(playbook.step("reclaim-devices")?.provenance.overriddenAt.isEmpty == false)
        let ids = playbook.steps.map(\.id)
        #expect(ids.firstIndex(of: "revoke-building-badge")! + 1 == ids.firstIndex(of: "destroy-hard-copies")!)
        #expect(playbook.step("notify-acme-dpo")?.provenance.includedFrom != nil)
        #expect(result.files.count == 4)
    }
}
