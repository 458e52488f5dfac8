import Engine
import Foundation
import GRDB
import Testing

/// `offboard verify` against journals edited directly in the SQLite file, as someone with access to
/// the database (but not to the exported heads) could.
@Suite struct VerifyCommandTests {
    /// A finished run of six log steps in its own database; returns the scratch and the run id.
    static func finishedRun() throws -> (RunCommandTests.Scratch, String) {
        let scratch = try RunCommandTests.Scratch()
        try scratch.write("steps.yaml", """
            playbook: steps
            version: 1
            steps:
              - { id: one, uses: log, with: { message: "first" } }
              - { id: two, uses: log, needs: [one], with: { message: "second" } }
              - { id: three, uses: log, needs: [two], with: { message: "third" } }
            """)
        let run = try scratch.offboard(["run", "steps.yaml"])
        #expect(run.status == 0, "\(run.stderr)")
        return (scratch, run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Edits the database behind offboard's back (dropping the append-only triggers first).
    static func tamper(_ scratch: RunCommandTests.Scratch, _ statements: String) throws {
        let queue = try DatabaseQueue(path: "\(scratch.directory)/runs.sqlite")
        try queue.write { db in
            try db.execute(sql: "DROP TRIGGER IF EXISTS journal_is_append_only_update; DROP TRIGGER IF EXISTS journal_is_append_only_delete;")
            try db.execute(sql: statements)
        }
    }

    /// The run row (state, who started it and when, the inputs) is outside the hash chain; editing it used to
    /// change the evidence pack while verify said intact. Now both compare it with the chained start facts.
    @Test func anEditedRunRowIsCaughtByVerifyAndTheEvidencePack() throws {
        let edits = [
            ("UPDATE runs SET state = 'cancelled'", "the run row's state is 'cancelled', but the journal replays to 'succeeded'"),
            ("UPDATE runs SET created_by = 'someone-else'", "the run row's created_by is 'someone-else', but the journal recorded '"),
            ("UPDATE runs SET created_at = created_at - 86400000", "the run row's created_at is '"),
            ("UPDATE runs SET inputs = '{\"extra\":\"x\"}'", "the run row's input extra is \"x\", but the journal recorded absent"),
        ]
        for (statement, message) in edits {
            let (scratch, id) = try Self.finishedRun()
            try Self.tamper(scratch, statement)
            let verify = try scratch.offboard(["verify", id])
            #expect(verify.status == 1, "\(statement)")
            #expect(verify.stdout.contains("BROKEN: ") && verify.stdout.contains(message), "\(statement): \(verify.stdout)")
            let pack = try scratch.offboard(["evidence", id, "--format", "json"])
            #expect(pack.status == 1, "\(statement): the pack says the record is broken")
            let chain = try CLI.json(pack.stdout)["chain"] as? [String: Any]
            #expect(chain?["intact"] as? Bool == false && (chain?["problem"] as? String)?.contains(message) == true, "\(statement)")
            #expect((try CLI.json(pack.stdout)["run"] as? [String: Any])?["triggered_by"] as? String != "someone-else", "facts come from the journal")
        }
    }

    @Test func anIntactRunVerifiesAndEachKindOfEditIsNamed() throws {
        let (scratch, id) = try Self.finishedRun()
        let intact = try scratch.offboard(["verify", id])
        #expect(intact.status == 0)
        #expect(intact.stdout.hasPrefix("\(id): intact, "), "\(intact.stdout)")

        try Self.tamper(scratch, "UPDATE journal SET event = replace(event, 'second', 'SECOND') WHERE run_id = '\(id)' AND type = 'step.succeed'")
        let altered = try scratch.offboard(["verify", id])
        #expect(altered.status == 1)
        #expect(altered.stdout.contains("BROKEN: entry ") && altered.stdout.contains(" was altered"), "\(altered.stdout)")

        let (deletedScratch, deletedID) = try Self.finishedRun()
        try Self.tamper(deletedScratch, "DELETE FROM journal WHERE run_id = '\(deletedID)' AND sequence = 3")
        #expect(try deletedScratch.offboard(["verify", deletedID]).stdout.contains("BROKEN: entry 3 was deleted"))

        let (tailScratch, tailID) = try Self.finishedRun()
        try Self.tamper(tailScratch, "DELETE FROM journal WHERE run_id = '\(tailID)' AND sequence > 10")
        #expect(try tailScratch.offboard(["verify", tailID]).stdout.contains("BROKEN: entries 11–"))

        let (swappedScratch, swappedID) = try Self.finishedRun()
        try Self.tamper(swappedScratch, """
            UPDATE journal SET sequence = 1000 WHERE run_id = '\(swappedID)' AND sequence = 3;
            UPDATE journal SET sequence = 3 WHERE run_id = '\(swappedID)' AND sequence = 4;
            UPDATE journal SET sequence = 4 WHERE run_id = '\(swappedID)' AND sequence = 1000;
            """)
        let swapped = try swappedScratch.offboard(["verify", swappedID, "--format", "json"])
        #expect(swapped.status == 1)
        #expect(swapped.stdout.contains("entry 3 is out of order"), "\(swapped.stdout)")
    }

    @Test func exportedHeadsCatchARunDeletedWholeOrRewritten() throws {
        let (scratch, id) = try Self.finishedRun()
        let second = try scratch.offboard(["run", "steps.yaml"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let heads = "\(scratch.directory)/heads.json"
        #expect(try scratch.offboard(["verify", "--all", "--export-heads", heads]).status == 0)
        #expect(try scratch.offboard(["verify", "--all", "--heads", heads]).status == 0)

        // A run deleted whole leaves no broken chain behind: only the exported heads show it.
        try Self.tamper(scratch, "DELETE FROM journal WHERE run_id = '\(id)'; DELETE FROM runs WHERE id = '\(id)'")
        let checked = try scratch.offboard(["verify", "--all", "--heads", heads])
        #expect(checked.status == 1)
        #expect(checked.stdout.contains("\(id): BROKEN: the run was deleted"), "\(checked.stdout)")
        #expect(checked.stdout.contains("\(second): intact"))

        // A journal edited and re-chained with fresh hashes passes on its own, but not against the heads.
        let queue = try DatabaseQueue(path: "\(scratch.directory)/runs.sqlite")
        try queue.write { db in
            try db.execute(sql: "DROP TRIGGER IF EXISTS journal_is_append_only_update")
            try db.execute(sql: "UPDATE journal SET event = replace(event, 'third', 'THIRD') WHERE run_id = ?", arguments: [second])
            var previous = JournalChain.genesis
            for row in try Row.fetchAll(db, sql: "SELECT sequence, at, event FROM journal WHERE run_id = ? ORDER BY sequence", arguments: [second]) {
                previous = JournalChain.hash(previous: previous, runID: second, atMillis: row["at"], event: Data((row["event"] as String).utf8))
                try db.execute(sql: "UPDATE journal SET hash = ? WHERE run_id = ? AND sequence = ?", arguments: [previous, second, row["sequence"]])
            }
            try db.execute(sql: "UPDATE runs SET chain_head = ? WHERE id = ?", arguments: [previous, second])
        }
        #expect(try scratch.offboard(["verify", second]).status == 0, "the forger recomputed every hash")
        let rewritten = try scratch.offboard(["verify", second, "--heads", heads])
        #expect(rewritten.status == 1)
        #expect(rewritten.stdout.contains("differ from the heads exported earlier"), "\(rewritten.stdout)")
    }
}
