import Engine
import Foundation
import Playbook
import Testing

/// Tasks, approvals, deadlines and rescheduling in the pure core, with time passed in: no sleeping.
@Suite struct PeopleCoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let hour: TimeInterval = 3600

    static let yaml = """
        playbook: people
        version: 1
        inputs:
          email: { type: email, required: true, personal: true }
          leave_at: { type: datetime, required: true }
        steps:
          - id: cut
            uses: log
            at: "{{ inputs.leave_at }}"
            deadline: 1h
            with: { message: cut }
          - id: shred
            uses: task
            deadline: 2d
            on_deadline: tell-security
            with:
              assignee: facilities
              title: "Shred files of {{ inputs.email }}"
              evidence:
                - certificate_number
                - { name: destruction_date, type: date }
                - { name: method, type: enum, values: [shredding, pulping] }
                - { name: containers, type: number }
              approvals: { required: 2, approvers: [dpo, ciso, jane@example.com, ann] }
          - id: tell-security
            uses: log
            with: { message: "late: {{ item.step }} was due {{ item.due }}" }
          - id: after-shred
            uses: log
            needs: [shred]
            with: { message: "{{ steps.shred.output.certificate_number }}" }
        """

    static let shred = InstanceKey(step: "shred")

    func core(leaveAt: Date = t0.addingTimeInterval(10 * hour)) throws -> RunCore {
        RunCore(runID: "r1", playbook: try EngineFixtures.playbook(Self.yaml),
                inputs: ["email": .string("jane@example.com"), "leave_at": .datetime(leaveAt)], timeZone: .gmt)
    }

    /// Starts the run and opens the shred task (the handler's answer is fed back as the worker would).
    func opened() throws -> RunCore {
        var run = try core()
        let first = try run.start(at: Self.t0)
        #expect(first.attempts.map(\.instance.step) == ["shred"])
        let spec = TaskSpec(assignee: "facilities", title: "Shred", evidence: [
            EvidenceField(name: "certificate_number"), EvidenceField(name: "destruction_date", type: .date),
            EvidenceField(name: "method", type: .enum, values: ["shredding", "pulping"]), EvidenceField(name: "containers", type: .number),
        ], approvals: ApprovalRule(required: 2, approvers: ["dpo", "ciso", "jane@example.com", "ann"]))
        let decision = try run.attemptOpenedTask(Self.shred, attempt: 1, task: spec, at: Self.t0)
        #expect(run.instances[Self.shred]?.state == .awaitingPerson)
        #expect(decision.state == .waiting)
        return run
    }

    static let goodEvidence = ["certificate_number": "SHR-1", "destruction_date": "2026-12-02", "method": "shredding", "containers": "3"]

    @Test func evidenceIsTypedAndEveryProblemIsReportedAtOnce() throws {
        var run = try opened()
        let bad = ["certifcate_number": "X", "destruction_date": "2 Dec", "method": "burning", "containers": "three"]
        do {
            _ = try run.completeTask(Self.shred, by: "sam", evidence: bad, at: Self.t0)
            Issue.record("ill-typed evidence was accepted")
        } catch let refused as RequestRefused {
            #expect(refused.problems == [
                "unknown evidence field 'certifcate_number'; did you mean 'certificate_number'? (fields: certificate_number, destruction_date, method, containers)",
                "missing evidence 'certificate_number': text",
                "evidence 'destruction_date' must be a date (YYYY-MM-DD)",
                "evidence 'method' must be one of shredding, pulping",
                "evidence 'containers' must be a number",
            ])
        }
        #expect(run.instances[Self.shred]?.state == .awaitingPerson)
        _ = try run.completeTask(Self.shred, by: "sam", evidence: Self.goodEvidence, at: Self.t0)
        let completion = try #require(run.instances[Self.shred]?.completion)
        #expect(completion.evidenceObject == .object(["certificate_number": .string("SHR-1"), "destruction_date": .string("2026-12-02"),
                                                      "method": .string("shredding"), "containers": .int(3)]))
        #expect(throws: RequestRefused(.alreadyDone, ["task shred was already completed by sam; nothing changed"])) {
            try run.completeTask(Self.shred, by: "sam", evidence: Self.goodEvidence, at: Self.t0)
        }
    }

    @Test func approvalsNeedNDistinctApproversNotTheLeaverNorTheCompleter() throws {
        var run = try opened()
        #expect(throws: RequestRefused(.taskState, ["task shred has not been completed yet; approve it once it is"])) {
            try run.approveTask(Self.shred, by: "dpo", at: Self.t0)
        }
        _ = try run.completeTask(Self.shred, by: "ann", evidence: Self.goodEvidence, at: Self.t0)
        #expect(run.instances[Self.shred]?.state == .awaitingApproval)
        #expect(throws: RequestRefused(.notPermitted, ["ANN completed task shred and may not also approve it"])) { try run.approveTask(Self.shred, by: "ANN", at: Self.t0) }
        #expect(throws: RequestRefused(.notPermitted, ["jane@example.com matches the leaver's email: nobody this run is about may approve its tasks"])) {
            try run.approveTask(Self.shred, by: "jane@example.com", at: Self.t0)
        }
        #expect(throws: RequestRefused(.notPermitted, ["mallory is not an approver of task shred (approvers: dpo, ciso, jane@example.com, ann)"])) {
            try run.approveTask(Self.shred, by: "mallory", at: Self.t0)
        }
        let first = try run.approveTask(Self.shred, by: "dpo", at: Self.t0)
        #expect(first.attempts.isEmpty && run.instances[Self.shred]?.state == .awaitingApproval)
        #expect(throws: RequestRefused(.alreadyDone, ["dpo has already approved task shred; nothing changed"])) { try run.approveTask(Self.shred, by: "dpo", at: Self.t0) }
        let second = try run.approveTask(Self.shred, by: "ciso", at: Self.t0)
        #expect(run.instances[Self.shred]?.state == .succeeded)
        #expect(run.instances[Self.shred]?.approvals == ["dpo", "ciso"])
        #expect(second.attempts.map(\.instance.step) == ["after-shred"])
        #expect(second.attempts[0].parameters["message"] == .string("SHR-1"))
    }

    /// How the console journals someone signed in at the identity provider: `Name <account>`. The account decides:
    /// a renamed completer is still the completer, a namesake is someone else, the leaver's own account is refused.
    @Test func aPersonIsTheirAccountWhateverTheirNameSays() throws {
        var run = try opened()
        _ = try run.completeTask(Self.shred, by: "Ann Lee <ann>", evidence: Self.goodEvidence, at: Self.t0)
        #expect(throws: RequestRefused(.notPermitted, ["Ann Smith <ANN> completed task shred and may not also approve it"])) {
            try run.approveTask(Self.shred, by: "Ann Smith <ANN>", at: Self.t0)
        }
        #expect(throws: RequestRefused(.notPermitted, ["Jane Doe <jane@example.com> matches the leaver's email: nobody this run is about may approve its tasks"])) {
            try run.approveTask(Self.shred, by: "Jane Doe <jane@example.com>", at: Self.t0)
        }
        #expect(throws: RequestRefused(.notPermitted, ["Dee Po <dee@example.com> is not an approver of task shred (approvers: dpo, ciso, jane@example.com, ann)"])) {
            try run.approveTask(Self.shred, by: "Dee Po <dee@example.com>", at: Self.t0)
        }
        // A namesake of an approver with another account is not that approver.
        #expect(throws: RequestRefused(.notPermitted, ["ciso <ciso.impostor@example.com> is not an approver of task shred (approvers: dpo, ciso, jane@example.com, ann)"])) {
            try run.approveTask(Self.shred, by: "ciso <ciso.impostor@example.com>", at: Self.t0)
        }
        _ = try run.approveTask(Self.shred, by: "Chief Security <ciso>", at: Self.t0)
        #expect(run.instances[Self.shred]?.approvals == ["Chief Security <ciso>"])
    }

    /// Someone signed in with a team's role signs for the team the playbook names: the team's place counts once,
    /// and the person is still checked as themselves.
    @Test func aPersonSignsForTheTeamNamedAsApprover() throws {
        var run = try opened()
        _ = try run.completeTask(Self.shred, by: "Sam Hill <sam@example.com>", evidence: Self.goodEvidence, at: Self.t0)
        #expect(throws: RequestRefused(.notPermitted, ["Sam Hill <sam@example.com> (for dpo) completed task shred and may not also approve it"])) {
            try run.approveTask(Self.shred, by: "Sam Hill <sam@example.com>", asApprover: "dpo", at: Self.t0)
        }
        #expect(throws: RequestRefused(.notPermitted, ["Dee Po <dee@example.com> (for legal) is not an approver of task shred (approvers: dpo, ciso, jane@example.com, ann)"])) {
            try run.approveTask(Self.shred, by: "Dee Po <dee@example.com>", asApprover: "legal", at: Self.t0)
        }
        _ = try run.approveTask(Self.shred, by: "Dee Po <dee@example.com>", asApprover: "dpo", at: Self.t0)
        #expect(throws: RequestRefused(.alreadyDone, ["Di Other <di@example.com> (for dpo) has already approved task shred; nothing changed"])) {
            try run.approveTask(Self.shred, by: "Di Other <di@example.com>", asApprover: "dpo", at: Self.t0)
        }
        #expect(throws: RequestRefused(.alreadyDone, ["Dee Po <dee@example.com> (for ciso) has already approved task shred; nothing changed"])) {
            try run.approveTask(Self.shred, by: "Dee Po <dee@example.com>", asApprover: "ciso", at: Self.t0)
        }
        _ = try run.approveTask(Self.shred, by: "Chris So <chris@example.com>", asApprover: "ciso", at: Self.t0)
        #expect(run.instances[Self.shred]?.state == .succeeded)
        #expect(run.instances[Self.shred]?.approvals == ["dpo", "ciso"])
        #expect(run.instances[Self.shred]?.approvingPeople == ["Dee Po <dee@example.com>", "Chris So <chris@example.com>"])
    }

    @Test func rejectionFailsTheStepAndFollowsOnFailure() throws {
        var run = try opened()
        _ = try run.completeTask(Self.shred, by: "ann", evidence: Self.goodEvidence, at: Self.t0)
        #expect(throws: RequestRefused(.invalidValue, ["a rejection needs a reason"], field: "reason")) { try run.rejectTask(Self.shred, by: "dpo", reason: " ", at: Self.t0) }
        #expect(throws: RequestRefused(.notPermitted, ["ann completed task shred and may not also reject it"])) {
            try run.rejectTask(Self.shred, by: "ann", reason: "oops", at: Self.t0)
        }
        #expect(throws: RequestRefused(.notPermitted, ["mallory is not an approver of task shred (approvers: dpo, ciso, jane@example.com, ann)"])) {
            try run.rejectTask(Self.shred, by: "mallory", reason: "oops", at: Self.t0)
        }
        let decision = try run.rejectTask(Self.shred, by: "dpo", reason: "certificate is for another customer", at: Self.t0)
        #expect(run.instances[Self.shred]?.state == .failed)
        #expect(run.instances[Self.shred]?.lastError == "rejected by dpo: certificate is for another customer")
        // on_failure defaults to abort: what needed the task is cancelled, the run fails once `cut` is settled.
        #expect(decision.events.contains(.step(instance: InstanceKey(step: "after-shred"), event: .cancel(reason: "run aborted: shred failed"))))
    }

    @Test func aMissedDeadlineIsRecordedOnceAndRunsTheEscalation() throws {
        var run = try opened()
        let due = Self.t0.addingTimeInterval(48 * Self.hour)
        #expect(run.instances[Self.shred]?.deadline == due)
        // `cut` waits for the leave time, 10 h away; its deadline counts from then.
        #expect(run.instances[InstanceKey(step: "cut")]?.deadline == Self.t0.addingTimeInterval(11 * Self.hour))
        #expect(run.nextWake == Self.t0.addingTimeInterval(10 * Self.hour))
        let atLeave = try run.tick(at: Self.t0.addingTimeInterval(10 * Self.hour))
        #expect(atLeave.attempts.map(\.instance.step) == ["cut"])
        _ = try run.attemptSucceeded(InstanceKey(step: "cut"), attempt: 1, output: .null, at: Self.t0.addingTimeInterval(10 * Self.hour + 60))
        #expect(run.nextWake == due)
        #expect(try run.tick(at: due.addingTimeInterval(-1)).events.isEmpty)
        let late = try run.tick(at: due)
        #expect(late.events.map(\.typeName).prefix(2) == ["deadline.missed", "escalation.added"])
        #expect(late.attempts.map(\.instance) == [InstanceKey(step: "tell-security", item: "shred")])
        #expect(run.instances[InstanceKey(step: "tell-security", item: "shred")]?.kind == .escalation)
        #expect(late.attempts.first?.parameters["message"] == .string("late: shred was due \(DateText.iso8601(due))"))
        #expect(run.instances[Self.shred]?.missedDeadline == true)
        #expect(run.instances[InstanceKey(step: "cut")]?.missedDeadline == false)
        _ = try run.attemptSucceeded(InstanceKey(step: "tell-security", item: "shred"), attempt: 1, output: .null, at: due)
        #expect(try run.tick(at: due.addingTimeInterval(Self.hour)).events.isEmpty)
        // Late work still counts; the miss stays on the record.
        _ = try run.completeTask(Self.shred, by: "ann", evidence: Self.goodEvidence, at: due.addingTimeInterval(Self.hour))
        #expect(run.instances[Self.shred]?.missedDeadline == true)
    }

    @Test func reschedulingMovesTimersAndDeadlinesAndBringingItForwardActsNow() throws {
        var run = try opened()
        let cut = InstanceKey(step: "cut")
        let later = Self.t0.addingTimeInterval(34 * Self.hour)
        let moved = try run.reschedule(["leave_at": DateText.iso8601(later)], by: "hr:amy", reason: "notice extended", at: Self.t0)
        #expect(moved.events.map(\.typeName) == ["run.rescheduled", "step.reschedule", "deadline.set"])
        #expect(run.instances[cut]?.state == .scheduled(notBefore: later))
        #expect(run.instances[cut]?.deadline == later.addingTimeInterval(Self.hour))
        #expect(run.instances[Self.shred]?.deadline == Self.t0.addingTimeInterval(48 * Self.hour), "a deadline from readiness does not move")
        #expect(throws: (any Error).self) { try run.reschedule(["leave_at": "next week"], by: "hr:amy", reason: "x", at: Self.t0) }
        #expect(run.inputs["leave_at"] == .datetime(later), "a refused reschedule changes nothing")
        let now = Self.t0.addingTimeInterval(Self.hour)
        let sudden = try run.reschedule(["leave_at": DateText.iso8601(now)], by: "hr:amy", reason: "dismissed", at: now)
        #expect(sudden.attempts.map(\.instance.step) == ["cut"])
    }

    @Test func nobodyTheRunIsAboutMayCompleteApproveOrDeclineItsTasks() throws {
        var run = try opened()
        for leaver in ["jane@example.com", "JANE@Example.com", "facilities:jane", "jane"] {
            #expect(throws: RequestRefused(.notPermitted, ["\(leaver) matches the leaver's email: nobody this run is about may complete its tasks"])) {
                try run.completeTask(Self.shred, by: leaver, evidence: Self.goodEvidence, at: Self.t0)
            }
            #expect(throws: RequestRefused(.notPermitted, ["\(leaver) matches the leaver's email: nobody this run is about may reject its tasks"])) {
                try run.rejectTask(Self.shred, by: leaver, reason: "no files", at: Self.t0)
            }
        }
        #expect(run.instances[Self.shred]?.state == .awaitingPerson, "nothing was recorded")
        _ = try run.completeTask(Self.shred, by: "facilities:janet", evidence: Self.goodEvidence, at: Self.t0)
    }

    @Test func evidenceDatesMayNotLieInTheFutureAndBooleansAreStrict() throws {
        var run = try opened()
        var future = Self.goodEvidence
        future["destruction_date"] = "2027-01-16"
        #expect(throws: RequestRefused(.invalidValue, ["evidence 'destruction_date' is later than today (2027-01-15): record it once it has happened"], field: "evidence")) {
            try run.completeTask(Self.shred, by: "sam", evidence: future, at: Self.t0)
        }
        let flag = EvidenceField(name: "confirmed", type: .bool)
        #expect(flag.parse("true") == .bool(true) && flag.parse("false") == .bool(false))
        for loose in ["yes", "no", "TRUE", "1"] { #expect(flag.parse(loose) == nil, "\(loose)") }
    }

    @Test func anExpectedEvidenceValueNotGivenFailsTheStepAndFollowsOnFailure() throws {
        let playbook = try EngineFixtures.playbook("""
            playbook: confirm
            version: 1
            steps:
              - id: confirm
                uses: task
                on_failure: escalate
                with:
                  assignee: line-manager
                  title: Confirm
                  evidence: [{ name: confirmed, type: bool, expect: true }]
              - { id: escalate, uses: log, with: { message: "not confirmed" } }
            """)
        var run = RunCore(runID: "r2", playbook: playbook, inputs: [:], timeZone: .gmt)
        let first = try run.start(at: Self.t0)
        let key = InstanceKey(step: "confirm")
        let spec = TaskSpec(assignee: "line-manager", title: "Confirm", evidence: [EvidenceField(name: "confirmed", type: .bool, expected: .bool(true))])
        _ = try run.attemptOpenedTask(key, attempt: first.attempts[0].attempt, task: spec, at: Self.t0)
        let denied = try run.completeTask(key, by: "manager:ola", evidence: ["confirmed": "false"], at: Self.t0)
        #expect(run.instances[key]?.state == .failed)
        #expect(run.instances[key]?.lastError == "evidence 'confirmed' is false, but the task requires true")
        #expect(run.instances[key]?.completion?.evidence["confirmed"]?.value == .bool(false), "what was given is recorded")
        #expect(denied.attempts.map(\.instance.step) == ["escalate"])
    }

    @Test func reschedulingIntoThePastIsRefusedUnlessConfirmedAndKeepsTheTrueTime() throws {
        var run = try opened()
        let now = Self.t0.addingTimeInterval(2 * Self.hour)
        let past = Self.t0.addingTimeInterval(-3 * 24 * Self.hour)
        #expect {
            try run.reschedule(["leave_at": DateText.iso8601(past)], by: "hr:amy", reason: "typo", at: now, pastBefore: now)
        } throws: { error in
            (error as? RequestRefused)?.problems == ["leave_at: \(DateText.iso8601(past)) is 3d2h in the past; to act on it at once, allow a time in the past (the true time is kept), or write now"]
                && (error as? RequestRefused)?.isInvalidInput == true && (error as? RequestRefused)?.remedy == .allowThePast
        }
        #expect(run.inputs["leave_at"] != .datetime(past), "a refused reschedule changes nothing")
        let confirmed = try run.reschedule(["leave_at": DateText.iso8601(past)], by: "hr:amy", reason: "left on Friday", at: now, pastBefore: nil)
        #expect(confirmed.attempts.map(\.instance.step) == ["cut"], "a confirmed past time acts at once")
        #expect(run.inputs["leave_at"] == .datetime(past), "the true leave time is kept")
    }

    @Test func aTaskParkedByAnEarlierVersionIsReopenedOnRecovery() throws {
        var run = try core()
        let key = Self.shred
        // What earlier versions journaled for a task: a wait until the distant future.
        for event: RunEvent in [.runStarted(), .stepExpanded(step: "shred", items: nil), .step(instance: key, event: .schedule(notBefore: Self.t0)),
                                .step(instance: key, event: .start(attempt: 1)), .step(instance: key, event: .suspend(until: .distantFuture))] {
            try run.apply(event)
        }
        #expect(throws: RequestRefused.self) { try run.completeTask(key, by: "sam", evidence: Self.goodEvidence, at: Self.t0) }
        let recovered = try run.recover(at: Self.t0)
        #expect(recovered.attempts.contains { $0.instance == key && $0.attempt == 2 && $0.idempotencyKey == "r1/shred" })
    }

    @Test func cancellingClosesOpenTasks() throws {
        var run = try opened()
        let decision = try run.requestCancel(reason: "resignation withdrawn", by: "hr", at: Self.t0)
        #expect(run.instances[Self.shred]?.state == .cancelled)
        #expect(run.instances[Self.shred]?.reason == "run cancelled: resignation withdrawn")
        #expect(decision.state == .cancelled)
    }
}
