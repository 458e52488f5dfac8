import Foundation
import GRDB
import Testing

/// The leaver's personal data: kept apart from the chained journal, deleted by `offboard purge`,
/// with the timeline, the evidence pack and `verify` still working.
@Suite struct PurgeCommandTests {
    static let playbook = """
        playbook: personal
        version: 1
        inputs:
          employee_id: { type: string, required: true }
          full_name: { type: string, required: true, personal: true }
        steps:
          - id: note
            uses: log
            with: { message: "offboarding {{ inputs.full_name }} ({{ inputs.employee_id }})" }
        """

    /// Every byte of the database files, as text.
    static func databaseBytes(_ scratch: RunCommandTests.Scratch) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: scratch.directory).filter { $0.hasPrefix("runs.sqlite") }
        return try names.map { String(decoding: try Data(contentsOf: URL(fileURLWithPath: "\(scratch.directory)/\($0)")), as: UTF8.self) }.joined()
    }

    @Test func personalValuesNeverReachTheJournalAndPurgeDeletesThemKeepingTheChain() throws {
        let scratch = try RunCommandTests.Scratch()
        try scratch.write("personal.yaml", Self.playbook)
        let offboard = { (arguments: [String], now: String) in
            try CLI.run(arguments, environment: scratch.environment.merging(["OFFBOARD_NOW": now]) { $1 }, directory: scratch.directory)
        }
        let run = try offboard(["run", "personal.yaml", "--set", "employee_id=E77", "--set", "full_name=Rosalind Quarrie"], "2030-01-01T09:00:00Z")
        #expect(run.status == 0, "\(run.stderr)")
        let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let journal = try DatabaseQueue(path: "\(scratch.directory)/runs.sqlite").read { db in
            try String.fetchAll(db, sql: "SELECT event FROM journal WHERE run_id = ?", arguments: [id]).joined()
        }
        #expect(!journal.contains("Rosalind") && journal.contains("offboarding ⟪full_name⟫ (E77)"), "\(journal)")
        func message(_ now: String) throws -> String? {
            let status = try CLI.json(try offboard(["status", id, "--format", "json"], now).stdout)
            return ((status["steps"] as? [[String: Any]])?.first?["output"] as? [String: Any])?["message"] as? String
        }
        #expect(try message("2030-01-01T09:01:00Z") == "offboarding Rosalind Quarrie (E77)", "people who run it still see the name while it is kept")

        #expect(try offboard(["purge", "--older-than", "30d"], "2030-01-15T00:00:00Z").stderr.contains("0 run(s) were purged"))
        let dry = try offboard(["purge", "--older-than", "30d", "--dry-run"], "2030-02-15T00:00:00Z")
        #expect(dry.stdout.contains("\(id)  finished 2030-01-01T09:00:00Z  would remove full_name"), "\(dry.stdout)")
        #expect(try Self.databaseBytes(scratch).contains("Rosalind"), "a dry run deletes nothing")
        let purged = try offboard(["purge", "--older-than", "30d"], "2030-02-15T00:00:00Z")
        #expect(purged.status == 0 && purged.stdout.contains("removed full_name"), "\(purged.stderr)")
        #expect(!(try Self.databaseBytes(scratch).contains("Rosalind")), "no byte of the name is left in the database files")

        #expect(try offboard(["verify", id], "2030-02-15T00:01:00Z").status == 0, "the chain is untouched")
        #expect(try message("2030-02-15T00:01:00Z") == "offboarding ⟪full_name⟫ (E77)")
        let pack = try CLI.json(try offboard(["evidence", id, "--format", "json"], "2030-02-15T00:02:00Z").stdout)
        #expect((pack["leaver"] as? [String: Any])?["fields"] as? [String: String] == ["employee_id": "E77"])
        #expect(try offboard(["status", id], "2030-02-15T00:02:00Z").status == 0)
        let bad = try offboard(["purge", "--older-than", "soon"], "2030-02-15T00:03:00Z")
        #expect(bad.status == 64 && bad.stderr.contains("not a duration"))
    }
}
