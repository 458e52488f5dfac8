import Foundation
import Testing

/// `tasks`, `complete`, `approve`, `reject`, `reschedule`, `cancel` of open tasks and `reverse`,
/// as a person types them, against a real run database.
@Suite struct PeopleCommandTests {
    static let playbook = """
        playbook: people
        version: 1
        inputs:
          employee_id: { type: string, required: true }
          email: { type: email, required: true, personal: true }
          leave_at: { type: datetime, required: true }
        leave_time: "{{ inputs.leave_at }}"
        steps:
          - id: cut
            uses: log
            at: "{{ inputs.leave_at }}"
            with: { message: "cut {{ inputs.employee_id }}" }
            compensate: { uses: log, with: { message: "restore {{ inputs.employee_id }}" } }
          - id: shred
            uses: task
            deadline: 2d
            with:
              assignee: facilities
              title: "Shred the files of {{ inputs.employee_id }}"
              evidence:
                - certificate_number
                - { name: destruction_date, type: date }
              approvals: { required: 1, approvers: [dpo, jane@example.com] }
          - id: after-shred
            uses: log
            needs: [shred]
            with: { message: "certificate {{ steps.shred.output.certificate_number }}" }
        """

    /// A started run whose `cut` waits for the leave time and whose task is open.
    static func started(_ now: String = "2030-01-01T09:00:00Z") throws -> (RunCommandTests.Scratch, String, (([String], String) throws -> CLI.Outcome)) {
        let scratch = try RunCommandTests.Scratch()
        try scratch.write("people.yaml", playbook)
        let offboard = { (arguments: [String], now: String) throws -> CLI.Outcome in
            try CLI.run(arguments, environment: scratch.environment.merging(["OFFBOARD_NOW": now]) { $1 }, directory: scratch.directory)
        }
        let run = try offboard(["run", "people.yaml", "--set", "employee_id=E1", "--set", "email=jane@example.com",
                                "--set", "leave_at=2030-01-10T17:00:00Z"], now)
        #expect(run.status == 3, "\(run.stderr)")
        return (scratch, run.stdout.trimmingCharacters(in: .whitespacesAndNewlines), offboard)
    }

    @Test func aTaskIsCompletedWithTypedEvidenceThenApprovedByAnotherPerson() throws {
        let (_, run, offboard) = try Self.started()
        let statusText = try offboard(["status", run], "2030-01-01T09:01:00Z").stdout
        #expect(statusText.contains("  awaiting-person   shred  attempts: 1  for facilities: Shred the files of E1  due 2030-01-03T09:00:00Z"), "\(statusText)")
        let listed = try offboard(["tasks", "--assignee", "FACILITIES"], "2030-01-01T09:01:00Z")
        #expect(listed.stdout.contains("\(run) shred [awaiting-person] for facilities, due 2030-01-03T09:00:00Z"), "\(listed.stdout)")
        #expect(listed.stdout.contains("complete: offboard complete \(run) shred --by NAME --evidence certificate_number=TEXT --evidence destruction_date=YYYY-MM-DD"), "\(listed.stdout)")

        let bad = try offboard(["complete", run, "shred", "--by", "lee", "--evidence", "certificate_numbr=C-1", "--evidence", "destruction_date=tomorrow"],
                               "2030-01-01T10:00:00Z")
        #expect(bad.status == 65)
        #expect(bad.stderr == """
            error: unknown evidence field 'certificate_numbr'; did you mean 'certificate_number'? (fields: certificate_number, destruction_date)
            error: missing evidence 'certificate_number': text
            error: evidence 'destruction_date' must be a date (YYYY-MM-DD)

            """)
        let history = { try offboard(["history", run], "2030-01-01T10:00:00Z").stdout }
        let before = try history()
        #expect(!before.contains("step.complete"), "a refused completion records nothing")

        let done = try offboard(["complete", run, "shred", "--by", "lee", "--evidence", "certificate_number=C-1", "--evidence", "destruction_date=2030-01-01"],
                                "2030-01-01T10:00:00Z")
        #expect(done.status == 0, "\(done.stderr)")
        let twice = try offboard(["complete", run, "shred", "--by", "lee", "--evidence", "certificate_number=C-2", "--evidence", "destruction_date=2030-01-01"],
                                 "2030-01-01T10:01:00Z")
        #expect(twice.status == 1 && twice.stderr.contains("already completed by lee; nothing changed"))
        #expect(try offboard(["tasks", "--assignee", "dpo"], "2030-01-01T10:02:00Z").stdout.contains("approvals 0 of 1"))
        #expect(try offboard(["tasks", "--assignee", "facilities"], "2030-01-01T10:02:00Z").stdout.isEmpty, "facilities has nothing left to do")

        let leaver = try offboard(["approve", run, "shred", "--by", "jane@example.com"], "2030-01-01T11:00:00Z")
        #expect(leaver.status == 1 && leaver.stderr.contains("matches the leaver's email: nobody this run is about may approve its tasks"))
        let approved = try offboard(["approve", run, "shred", "--by", "dpo"], "2030-01-01T11:00:00Z")
        #expect(approved.status == 0, "\(approved.stderr)")
        let status = try CLI.json(try offboard(["status", run, "--format", "json"], "2030-01-01T11:01:00Z").stdout)
        let steps = try #require(status["steps"] as? [[String: Any]])
        #expect(steps.first { $0["id"] as? String == "after-shred" }?["state"] as? String == "succeeded")
        #expect((steps.first { $0["id"] as? String == "after-shred" }?["output"] as? [String: Any])?["message"] as? String == "certificate C-1")
        #expect(try history().contains("shred approved by dpo"))
    }

    @Test func aRejectionFailsTheRunAndRescheduleToNowActsAtOnce() throws {
        let (_, run, offboard) = try Self.started()
        let moved = try offboard(["reschedule", run, "--set", "leave_at=now", "--reason", "dismissed", "--by", "hr:amy"], "2030-01-02T08:00:00Z")
        #expect(moved.status == 0, "\(moved.stderr)")
        let history = try offboard(["history", run], "2030-01-02T08:00:01Z").stdout
        #expect(history.contains("rescheduled by hr:amy: leave_at → 2030-01-02T08:00:00Z (dismissed)"), "\(history)")
        #expect(history.contains("cut succeeded"))
        let past = try offboard(["reschedule", run, "--set", "leave_at=2029-12-30T08:00:00Z", "--reason", "typo"], "2030-01-02T08:01:00Z")
        #expect(past.status == 65 && past.stderr.contains("leave_at: 2029-12-30T08:00:00Z is 3d1m in the past; to act on it at once, allow a time in the past")
               && past.stderr.contains("hint: give --allow-past"), "\(past.stderr)")
        let impossible = try offboard(["reschedule", run, "--set", "leave_at=2030-02-29T08:00:00Z", "--reason", "typo"], "2030-01-02T08:01:00Z")
        #expect(impossible.status == 65 && impossible.stderr.contains("February 2030 has 28 days, not 29"), "\(impossible.stderr)")
        #expect(try offboard(["history", run], "2030-01-02T08:01:01Z").stdout.components(separatedBy: "rescheduled by").count == 2, "refusals record nothing")
        let wrong = try offboard(["reschedule", run, "--set", "email=x@example.com", "--reason", "typo"], "2030-01-02T08:01:00Z")
        #expect(wrong.status == 65 && wrong.stderr.contains("'email' is not a date or datetime input of people"), "\(wrong.stderr)")

        let declined = try offboard(["reject", run, "shred", "--by", "facilities:lee", "--reason", "no paper files exist"], "2030-01-02T09:00:00Z")
        #expect(declined.status == 0, "\(declined.stderr)")
        let status = try CLI.json(try offboard(["status", run, "--format", "json"], "2030-01-02T09:00:01Z").stdout)
        #expect(status["state"] as? String == "failed")
        let shred = (status["steps"] as? [[String: Any]])?.first { $0["id"] as? String == "shred" }
        #expect(shred?["error"] as? String == "rejected by facilities:lee: no paper files exist")
    }

    @Test func cancellingClosesOpenTasksAndReverseUndoesWhatSucceeded() throws {
        let (_, run, offboard) = try Self.started()
        #expect(try offboard(["worker", "--until-idle"], "2030-01-10T17:00:30Z").status == 0)
        let early = try offboard(["reverse", run, "--reason", "rehired"], "2030-01-10T17:01:00Z")
        #expect(early.status == 1 && early.stderr.contains("cancel it first"), "\(early.stderr)")
        let cancelled = try offboard(["cancel", run, "--reason", "resignation withdrawn", "--by", "hr:amy"], "2030-01-10T17:02:00Z")
        #expect(cancelled.status == 0, "\(cancelled.stderr)")
        let status = try CLI.json(try offboard(["status", run, "--format", "json"], "2030-01-10T17:02:01Z").stdout)
        let shred = (status["steps"] as? [[String: Any]])?.first { $0["id"] as? String == "shred" }
        #expect(shred?["state"] as? String == "cancelled" && (shred?["reason"] as? String)?.contains("resignation withdrawn") == true)
        #expect(try offboard(["tasks"], "2030-01-10T17:03:00Z").stdout.isEmpty, "no task is left open")

        let plan = try offboard(["reverse", run, "--reason", "resignation withdrawn", "--dry-run"], "2030-01-10T17:04:00Z")
        #expect(plan.status == 0)
        #expect(plan.stdout.contains("  1. undo cut  (log): record \"restore E1\""), "\(plan.stdout)")
        #expect(!plan.stdout.contains("undo shred"))
        #expect(!(try offboard(["history", run], "2030-01-10T17:04:01Z").stdout.contains("reversal")), "a dry run records nothing")
        let reversed = try offboard(["reverse", run, "--reason", "resignation withdrawn", "--by", "hr:amy"], "2030-01-10T17:05:00Z")
        #expect(reversed.status == 0, "\(reversed.stderr)")
        let pack = try CLI.json(try offboard(["evidence", run, "--format", "json"], "2030-01-10T17:06:00Z").stdout)
        #expect((pack["run"] as? [String: Any])?["state"] as? String == "reversed")
        #expect(((pack["run"] as? [String: Any])?["reversal"] as? [String: Any])?["steps"] as? [String] == ["cut"])
    }
}
