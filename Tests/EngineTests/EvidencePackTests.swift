@testable import Engine
import Foundation
import Handlers
import Playbook
import SQLiteStore
import Testing

/// What the evidence pack says, built from a real run: it must never read "removed" when nothing was.
@Suite struct EvidencePackTests {
    static let yaml = """
        playbook: evidence
        version: 1
        inputs:
          employee_id: { type: string, required: true }
          leave_at: { type: datetime, required: true }
          has_badge: { type: bool, default: false }
        leave_time: "{{ inputs.leave_at }}"
        steps:
          - id: revoke-app
            uses: command
            removes_access: true
            system: "Payroll app"
            with:
              argv: [/bin/sh, -c, 'printf "$(cat DIR/removed.json)" "$1"', sh, "{{ inputs.employee_id }}"]
          - id: revoke-wiki
            uses: command
            removes_access: true
            with:
              argv: [/bin/cat, DIR/absent.json]
          - id: revoke-badge
            uses: command
            removes_access: true
            when: inputs.has_badge
            with: { argv: [/bin/true] }
          - id: unreported
            uses: command
            removes_access: true
            with: { argv: [/bin/echo, done] }
          - id: collect
            uses: task
            with:
              assignee: it
              title: "Collect the laptop of {{ inputs.employee_id }}"
              evidence: [{ name: condition, type: enum, values: [good, missing], findings: [missing] }, { name: note, type: string, required: false }]
        """

    func pack(employee: String = "E1", note: String? = nil) async throws -> EvidencePack {
        let setup = try ExecutorTests.Setup(Self.yaml)
        // Reports as a command prints them (outside the playbook: its templates would read the braces).
        try #"{"removal": {"change": "removed", "removed": ["login of %s disabled"]}}"#.write(toFile: "\(setup.directory)/removed.json", atomically: true, encoding: .utf8)
        try #"{"removal": {"change": "already_absent", "system": "wiki.example.com", "prior_state": "no such user"}}"#
            .write(toFile: "\(setup.directory)/absent.json", atomically: true, encoding: .utf8)
        let id = try await setup.start([("employee_id", employee), ("leave_at", "2026-11-30T09:00:00Z")])
        let worker = setup.worker()
        _ = try await worker.drive(runID: id)
        try await setup.store.addRequest(RunRequest(runID: id, kind: .complete, step: "collect", fields: ["condition": "missing"].merging(note.map { ["note": $0] } ?? [:]) { first, _ in first },
                                                    requestedBy: "it:sam", requestedAt: Date()))
        _ = try await worker.drive(runID: id)
        let stored = try #require(try await setup.store.loadRun(id))
        let playbook = try PinnedPlaybooks(catalog: BuiltInHandlers.registry()).playbook(for: stored)
        return try EvidencePack.build(stored, playbook: playbook, chain: try await setup.store.storedChain(id),
                                      removesAccess: { BuiltInHandlers.registry().handler(for: $0)?.removesAccess ?? false }, now: Date())
    }

    @Test func eachRemovalSaysWhatItDidAndTheSummaryCountsOnlyRealRemovals() async throws {
        let pack = try await pack()
        func step(_ id: String) -> EvidencePack.StepEvidence? { pack.steps.first { $0.id == id } }
        #expect(step("revoke-app")?.removal == .removed)
        #expect(step("revoke-app")?.system == "Payroll app")
        #expect(step("revoke-app")?.removalReport?.removed == ["login of E1 disabled"])
        #expect(step("revoke-wiki")?.removal == .alreadyAbsent)
        #expect(step("revoke-wiki")?.system == "wiki.example.com")
        #expect(step("revoke-badge")?.removal == .skipped)
        #expect(step("unreported")?.removal == .unreported)
        #expect(step("collect")?.removal == nil, "a task is not an access removal")
        #expect(pack.summary.accessRemovals == ["removed": 1, "already_absent": 1, "absent_on_retry": 0, "skipped": 1, "failed": 0, "not_run": 0, "unreported": 1])
        #expect(pack.summary.sentence == "Access was removed from 1 system (Payroll app); 1 had nothing to remove (already absent); 1 did not apply (skipped).")
        #expect(pack.summary.noAccessRemoved == false)
        #expect(pack.summary.findings == ["unreported: succeeded without saying what it removed", "collect: condition missing"])
        #expect(pack.summary.returns.map(\.sentence) == ["collect: 0 of 1 completed without a finding, 1 with a finding, 0 not completed"])
        #expect(pack.format == "offboard-evidence/2")
        let json = String(decoding: try JSONEncoder().encode(pack), as: UTF8.self)
        #expect(json.contains("\"removal\":\"already_absent\"") && json.contains("\"no_access_removed\":false"))
    }

    /// A value that tries to start a heading, a table row or a link in the Markdown form stays one inline value.
    @Test func markdownValuesCannotStartLinesHeadingsOrRows() async throws {
        let hostile = "E1\n# Fake heading\n| forged | row |\u{1B}[31m[link](http://evil)"
        // A string input is one line (the binder refuses a line break); a task's free-text evidence may hold any.
        let markdown = try await pack(note: hostile).markdown()
        #expect(!markdown.contains("\n# Fake heading"))
        #expect(!markdown.contains("\n| forged"))
        #expect(!markdown.contains("\u{1B}"))
        #expect(!markdown.contains("[link](http://evil)"))
        #expect(markdown.contains("E1\\\\n\\# Fake heading"), "shown escaped, as text")
    }
}

/// A repeated attempt that finds nothing left may follow an earlier attempt that removed it: that is neither
/// "removed" nor "nothing was found".
@Suite struct RemovalOutcomeTests {
    @Test func absentOnARepeatedAttemptIsNotNothingFound() {
        var record = InstanceRecord(key: InstanceKey(step: "revoke"))
        record.state = .succeeded
        record.attempts = 1
        record.removal = AccessRemoval(.alreadyAbsent, system: "idp")
        #expect(record.removalOutcome == .alreadyAbsent)
        record.attempts = 2
        #expect(record.removalOutcome == .absentOnRetry)
        record.removal = AccessRemoval(.removed, system: "idp", removed: ["account deactivated"])
        #expect(record.removalOutcome == .removed)
    }
}
