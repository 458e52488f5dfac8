import Engine
import Foundation
import SQLiteStore
import Testing

/// `Worker.submit`: how a server hands a person's request to a run in-process, with the worker's own loop running.
@Suite struct SubmitTests {
    static let yaml = """
        playbook: submit
        version: 1
        inputs:
          employee_id: { type: string }
        steps:
          - id: collect
            uses: task
            with:
              assignee: it
              title: "Collect the laptop of {{ inputs.employee_id }}"
              evidence: [{ name: condition, type: enum, values: [good, missing] }]
          - id: after
            uses: log
            needs: [collect]
            with: { message: "collected" }
        """

    /// Waits until the run's `collect` task is open.
    static func waitForTask(_ setup: ExecutorTests.Setup, _ id: String) async throws {
        for _ in 0..<250 {
            if try await setup.report(id).steps.first(where: { $0.id == "collect" })?.state == StepState.awaitingPerson.name { return }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        Issue.record("the task never opened")
    }

    @Test func aRequestSubmittedBesideTheRunningLoopIsAppliedByThatLoop() async throws {
        let setup = try ExecutorTests.Setup(Self.yaml)
        let id = try await setup.start([("employee_id", "E1")])
        let worker = setup.worker()
        let loop = Task { try await worker.run(untilIdle: false) }
        defer { loop.cancel() }
        try await Self.waitForTask(setup, id)

        // Refused by the loop's driver, the answer is its judgement whole: the remedy and the kind of refusal too.
        let early = RunRequest(runID: id, kind: .reverse, reason: "rehired", requestedBy: "ops", requestedAt: Date())
        guard case .refused(let notYet) = try await worker.submit(early) else { Issue.record("a running run was reversed"); return }
        #expect(notYet.remedy == .cancelFirst && !notYet.isInvalidInput, "\(notYet)")

        let wrong = RunRequest(runID: id, kind: .complete, step: "collect", fields: ["condition": "lost"], requestedBy: "it:sam", requestedAt: Date())
        guard case .refused(let refused) = try await worker.submit(wrong) else { Issue.record("a value outside the enum was accepted"); return }
        #expect(refused.isInvalidInput)
        #expect(refused.problems.joined().contains("condition"), "\(refused.problems)")

        let complete = RunRequest(runID: id, kind: .complete, step: "collect", fields: ["condition": "good"], requestedBy: "it:sam", requestedAt: Date())
        let outcome = try await worker.submit(complete)
        guard case .applied = outcome else { Issue.record("not applied: \(outcome)"); return }
        for _ in 0..<250 where try await setup.store.summary(of: id)?.state != .succeeded { try await Task.sleep(nanoseconds: 20_000_000) }
        #expect(try await setup.store.summary(of: id)?.state == .succeeded)
        let journal = try #require(try await setup.store.loadRun(id)).journal
        #expect(journal.filter { if case .step(_, .complete) = $0.event { true } else { false } }.count == 1, "completed once, by one driver")
        // The refused request was judged where it was applied, once: nothing waits, and the journal names only the
        // accepted completion.
        #expect(try await setup.store.pendingRequests(runID: id).isEmpty)

        let late = RunRequest(runID: id, kind: .cancel, reason: "too late", requestedBy: "hr", requestedAt: Date())
        #expect(try await worker.submit(late) == .refused(RequestRefused(.runState, "run \(id) already succeeded")))
        #expect(try await worker.submit(RunRequest(runID: "r-nope", kind: .cancel, reason: "x", requestedBy: "hr", requestedAt: Date())) == .noSuchRun)
    }

    @Test func withoutARunningLoopSubmitDrivesTheRunItself() async throws {
        let setup = try ExecutorTests.Setup(Self.yaml)
        let id = try await setup.start([("employee_id", "E1")])
        let worker = setup.worker()
        _ = try await worker.drive(runID: id)
        let outcome = try await worker.submit(RunRequest(runID: id, kind: .complete, step: "collect", fields: ["condition": "good"],
                                                         requestedBy: "it:sam", requestedAt: Date()))
        #expect(outcome == .applied(.succeeded))
    }
}
