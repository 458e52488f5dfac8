import Foundation
import Playbook
import Testing

@Suite struct ExtendsIncludeTests {
    static let base = """
        playbook: base
        version: 1
        inputs:
          email: { type: email, required: true }
        steps:
          - id: first
            uses: log
            with: { message: first, level: notice }
          - id: second
            uses: log
            needs: [first]
            with: { message: second }
          - id: third
            uses: log
            with: { message: third }
        """

    func load(_ files: [String: String], _ main: String = "child.yaml") throws -> (PlaybookLoader.Result, String) {
        let directory = try Fixtures.temporaryDirectory(files)
        return (Fixtures.load("\(directory)/\(main)", root: directory), directory)
    }

    @Test func overridesMergeWithAndReplaceOtherFields() throws {
        let (result, _) = try load(["base.yaml": Self.base, "child.yaml": """
            playbook: child
            version: 2
            extends: base.yaml
            steps:
              - id: first
                description: changed
                with: { message: overridden, level: null }
            """])
        let playbook = try #require(result.playbook, "\(result.diagnostics)")
        #expect(playbook.name == "child" && playbook.version == 2)
        #expect(playbook.inputs.map(\.name) == ["email"])
        let first = try #require(playbook.step("first"))
        #expect(first.description == "changed")
        guard case .object(let entries, _)? = first.with else {
            Issue.record("with is not an object")
            return
        }
        #expect(entries.map(\.key) == ["message"])
        #expect(first.provenance.definedAt.file.hasSuffix("base.yaml"))
        #expect(first.provenance.overriddenAt.map(\.line) == [5])
    }

    @Test func removeAndInsertBeforeAndAfter() throws {
        let (result, _) = try load(["base.yaml": Self.base, "child.yaml": """
            playbook: child
            version: 1
            extends: base.yaml
            steps:
              - { id: third, remove: true }
              - { id: zero, uses: log, before: first, with: { message: zero } }
              - { id: one-and-a-half, uses: log, after: first, with: { message: x } }
              - { id: last, uses: log, after: 2h, with: { message: appended } }
            """])
        let playbook = try #require(result.playbook, "\(result.diagnostics)")
        #expect(playbook.steps.map(\.id) == ["zero", "first", "one-and-a-half", "second", "last"])
        #expect(playbook.step("last")?.after == PlaybookDuration(seconds: 7_200))
    }

    @Test func referencesToARemovedStepSayWhereItWasRemoved() throws {
        let (result, directory) = try load(["base.yaml": Self.base, "child.yaml": """
            playbook: child
            version: 1
            extends: base.yaml
            steps:
              - id: first
                remove: true
            """])
        #expect(Fixtures.lines(result.diagnostics, relativeTo: directory) == [
            "base.yaml:11:13: error: needs 'first', which was removed at child.yaml:5:5",
        ])
    }

    /// A misspelt key on a removed step used to be a "has no effect" warning; it is an error like anywhere else.
    @Test func anUnknownKeyOnARemovedStepIsAnErrorWithADidYouMean() throws {
        let (result, directory) = try load(["base.yaml": Self.base, "child.yaml": """
            playbook: child
            version: 1
            extends: base.yaml
            steps:
              - id: third
                remove: true
                descriptoin: no longer needed
                description: no longer needed
            """])
        #expect(Fixtures.lines(result.diagnostics, relativeTo: directory) == [
            "child.yaml:7:5: error: unknown key 'descriptoin' in a step; did you mean 'description'?",
            "child.yaml:8:5: warning: 'description' has no effect on a step that is removed",
        ])
    }

    @Test func mistakesInOverrides() throws {
        let (result, directory) = try load(["base.yaml": Self.base, "child.yaml": """
            playbook: child
            version: 1
            extends: base.yaml
            steps:
              - id: frist
                description: typo
              - id: nope
                remove: true
              - id: new
                uses: log
                before: secnod
                with: { message: x }
            """])
        #expect(Fixtures.lines(result.diagnostics, relativeTo: directory) == [
            "child.yaml:5:9: error: step 'frist' is not in base.yaml, so it needs uses: to be added; did you mean 'first'?",
            "child.yaml:7:5: error: cannot remove step 'nope': base.yaml has no such step",
            "child.yaml:11:13: error: no step 'secnod' to insert before; did you mean 'second'?",
        ])
    }

    @Test func overrideKeysOutsideExtendsAreErrors() throws {
        let (result, directory) = try load(["child.yaml": """
            playbook: plain
            version: 1
            steps:
              - { id: a, uses: log, with: { message: a } }
              - { id: b, uses: log, after: a, remove: false, with: { message: b } }
            """])
        #expect(Fixtures.lines(result.diagnostics, relativeTo: directory) == [
            "child.yaml:5:25: error: after: with a step id only applies in a playbook that extends another (after: otherwise takes a duration such as 2h; order steps with needs)",
            "child.yaml:5:35: error: remove: only applies in a playbook that extends another",
            "child.yaml:5:35: error: unknown key 'remove' in a step",
        ])
    }

    @Test func includesSpliceStepListsRelativeToTheIncludingFile() throws {
        let (result, _) = try load([
            "child.yaml": """
                playbook: with-includes
                version: 1
                steps:
                  - { id: start, uses: log, with: { message: start } }
                  - include: parts/middle.yaml
                  - { id: end, uses: log, needs: [nested], with: { message: end } }
                """,
            "parts/middle.yaml": "- { id: middle, uses: log, with: { message: m } }\n- include: deeper/nested.yaml\n",
            "parts/deeper/nested.yaml": "- { id: nested, uses: log, with: { message: n } }\n",
        ])
        let playbook = try #require(result.playbook, "\(result.diagnostics)")
        #expect(playbook.steps.map(\.id) == ["start", "middle", "nested", "end"])
        #expect(playbook.step("nested")?.provenance.definedAt.file.hasSuffix("parts/deeper/nested.yaml") == true)
        #expect(playbook.step("nested")?.provenance.includedFrom?.file.hasSuffix("parts/middle.yaml") == true)
        #expect(result.files.count == 3)
    }

    @Test func extendsCycleIsSpelledOut() throws {
        let (result, directory) = try load([
            "child.yaml": "playbook: a\nversion: 1\nextends: b.yaml\nsteps: []\n",
            "b.yaml": "playbook: b\nversion: 1\nextends: child.yaml\nsteps: []\n",
        ])
        #expect(result.playbook == nil)
        let lines = Fixtures.lines(result.diagnostics, relativeTo: directory).map { $0.replacingOccurrences(of: directory + "/", with: "") }
        #expect(lines.count == 1)
        #expect(lines.first?.hasSuffix("error: extends cycle: \(directory)/child.yaml → \(directory)/b.yaml → \(directory)/child.yaml") == true
                || lines.first?.contains("extends cycle:") == true)
        #expect(lines.first?.contains("b.yaml:3:10") == true)
    }

    @Test func includeCycleIsAnError() throws {
        let (result, _) = try load([
            "child.yaml": "playbook: a\nversion: 1\nsteps:\n  - include: x.yaml\n",
            "x.yaml": "- include: y.yaml\n",
            "y.yaml": "- include: x.yaml\n",
        ])
        #expect(result.diagnostics.map(\.message).contains { $0.hasPrefix("include cycle:") && $0.hasSuffix("x.yaml → ") == false })
        #expect(result.playbook == nil)
    }

    @Test(arguments: ["../outside.yaml", "/etc/passwd", "~/x.yaml", "sub/../../outside.yaml"])
    func includesMayNotLeaveThePlaybookDirectory(_ reference: String) throws {
        let directory = try Fixtures.temporaryDirectory([
            "outside.yaml": "- { id: evil, uses: log, with: { message: x } }\n",
            "book/child.yaml": "playbook: a\nversion: 1\nsteps:\n  - include: \(reference)\n",
        ])
        let result = Fixtures.load("\(directory)/book/child.yaml", root: "\(directory)/book")
        #expect(result.playbook == nil)
        #expect(result.diagnostics.contains { $0.message.contains("escapes the playbook directory") || $0.message.contains("must be relative") })
        #expect(!result.files.contains { $0.hasSuffix("outside.yaml") || $0.hasSuffix("passwd") })
    }

    @Test func symbolicLinksMayNotLeaveThePlaybookDirectory() throws {
        let directory = try Fixtures.temporaryDirectory([
            "outside.yaml": "- { id: evil, uses: log, with: { message: x } }\n",
            "book/child.yaml": "playbook: a\nversion: 1\nsteps:\n  - include: link.yaml\n",
        ])
        try FileManager.default.createSymbolicLink(atPath: "\(directory)/book/link.yaml", withDestinationPath: "\(directory)/outside.yaml")
        let result = Fixtures.load("\(directory)/book/child.yaml", root: "\(directory)/book")
        #expect(result.diagnostics.first?.message.contains("escapes the playbook directory") == true, "\(result.diagnostics)")
    }

    @Test func aFragmentMustBeAListAndExist() throws {
        let (result, directory) = try load([
            "child.yaml": "playbook: a\nversion: 1\nsteps:\n  - include: frag.yaml\n  - include: missing.yaml\n",
            "frag.yaml": "id: not-a-list\n",
        ])
        #expect(Fixtures.lines(result.diagnostics, relativeTo: directory) == [
            "child.yaml:5:14: error: no such file: missing.yaml",
            "frag.yaml:1:1: error: an included file holds a list of steps, not a mapping",
        ])
    }

    @Test func theHashIgnoresFormattingButNotMeaning() throws {
        let block = "playbook: h\nversion: 1\nsteps:\n  - id: a\n    uses: log\n    with:\n      message: hi\n"
        let flow = "# a comment\nplaybook: h\nversion: 1\nsteps: [ { id: a, uses: log, with: { message: \"hi\" } } ]\n"
        let changed = "playbook: h\nversion: 1\nsteps: [ { id: a, uses: log, with: { message: bye } } ]\n"
        let (one, _) = try load(["child.yaml": block])
        let (two, _) = try load(["child.yaml": flow])
        let (three, _) = try load(["child.yaml": changed])
        let hashes = [one, two, three].map { $0.playbook?.sha256 }
        #expect(hashes[0] != nil && hashes[0] == hashes[1])
        #expect(hashes[0] != hashes[2])
    }

    @Test func theCanonicalDocumentLoadsBackToTheSameHash() throws {
        let result = Fixtures.load("\(Fixtures.workflows)/acme-leaver.yaml", root: Fixtures.workflows)
        let playbook = try #require(result.playbook, "\(result.diagnostics)")
        let pinned = try Fixtures.temporaryDirectory(["pinned.json": playbook.canonicalJSON.compactText])
        let reloaded = try #require(Fixtures.load("\(pinned)/pinned.json").playbook)
        #expect(reloaded.sha256 == playbook.sha256)
        #expect(reloaded.steps.map(\.id) == playbook.steps.map(\.id))
    }
}
