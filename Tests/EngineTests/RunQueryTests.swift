import Engine
import Foundation
import Handlers
import Playbook
import SQLiteStore
import Testing

/// One run query for every list (`offboard list`, the API, the console), answered by the real SQLite store from the
/// runs' rows: an overdue run is found whether or not a worker has recorded the miss yet, without replaying it.
@Suite struct RunQueryTests {
    static let playbook = """
        playbook: collect
        version: 1
        inputs:
          employee_id: { type: string, required: true }
          email: { type: email, required: false }
        steps:
          - id: laptop
            uses: task
            deadline: 1h
            with: { assignee: it, title: "Collect the laptop of {{ inputs.employee_id }}" }
        """

    @Test func overdueIsReadFromTheRowsBeforeAndAfterTheMissIsRecorded() async throws {
        let setup = try ExecutorTests.Setup(Self.playbook)
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let start = clock.now()
        let late = try await setup.start([("employee_id", "E-1")], clock: clock)
        #expect(try await setup.worker(clock: clock).drive(runID: late) == .waiting)
        clock.advance(by: 600)
        let early = try await setup.start([("employee_id", "E-2")], clock: clock)
        #expect(try await setup.worker(clock: clock).drive(runID: early) == .waiting)

        func overdue(at date: Date) async throws -> [String] { try await setup.store.runs(matching: RunQuery(overdueAt: date)).map(\.id) }
        #expect(try await overdue(at: clock.now()).isEmpty, "both deadlines are ahead")
        // The first deadline passes with no worker running: the row's next deadline says so.
        #expect(try await overdue(at: start.addingTimeInterval(3601)) == [late])
        #expect(try await overdue(at: start.addingTimeInterval(4300)) == [early, late], "newest first")

        // A worker records the miss; the run stays overdue even once the task is done late.
        clock.advance(by: 3001)
        #expect(try await setup.worker(clock: clock).drive(runID: late) == .waiting)
        let summary = try #require(try await setup.store.summary(of: late))
        #expect(summary.deadlineMissedAt == start.addingTimeInterval(3601))
        #expect(summary.nextDeadline == nil, "the only open deadline is recorded as missed")
        #expect(try await setup.report(late).steps.map(\.overdue) == [true])
        try await setup.store.addRequest(RunRequest(runID: late, kind: .complete, step: "laptop", requestedBy: "it", requestedAt: clock.now()))
        #expect(try await setup.worker(clock: clock).drive(runID: late) == .succeeded)
        #expect(try await overdue(at: clock.now()) == [late], "done late is still a missed deadline; the other is not due yet")
        #expect(try await setup.store.summary(of: late)?.isOverdue(at: clock.now()) == true)
        #expect(try await setup.store.summary(of: early)?.isOverdue(at: clock.now()) == false)
    }

    @Test func stateFilterPlaybookLeaverAndTimeRangeCombine() async throws {
        let setup = try ExecutorTests.Setup(Self.playbook)
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        var ids: [String] = []
        for (employee, email) in [("E-1", "ada@example.org"), ("E-2", "grace@example.org"), ("e-3", "alan@example.org")] {
            ids.append(try await setup.start([("employee_id", employee), ("email", email)], clock: clock))
            clock.advance(by: 86_400)
        }
        #expect(try await setup.worker(clock: clock).drive(runID: ids[0]) == .waiting)
        let store = setup.store
        #expect(try await store.runs(matching: RunQuery()).map(\.id) == ids.reversed())
        #expect(try await store.runs(matching: RunQuery(state: .waiting)).map(\.id) == [ids[0]])
        #expect(try await store.runs(matching: RunQuery(state: .pending)).map(\.id) == [ids[2], ids[1]])
        #expect(try await store.runs(matching: RunQuery(playbook: "collect")).count == 3)
        #expect(try await store.runs(matching: RunQuery(playbook: "other")).isEmpty)
        #expect(try await store.runs(matching: RunQuery(leaver: "E-3")).map(\.id) == [ids[2]], "an employee id, ignoring case")
        #expect(try await store.runs(matching: RunQuery(leaver: "GRACE@example.org")).map(\.id) == [ids[1]], "or an email")
        #expect(try await store.runs(matching: RunQuery(leaver: "E-")).isEmpty, "the whole value, not a part")
        #expect(try await store.runs(matching: RunQuery(leaver: "' OR 1=1 --")).isEmpty)
        let first = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try await store.runs(matching: RunQuery(createdFrom: first.addingTimeInterval(86_400))).map(\.id) == [ids[2], ids[1]])
        #expect(try await store.runs(matching: RunQuery(createdBefore: first.addingTimeInterval(86_400))).map(\.id) == [ids[0]], "before is exclusive")
        #expect(try await store.runs(matching: RunQuery(createdFrom: first, createdBefore: first.addingTimeInterval(2 * 86_400), limit: 1)).map(\.id) == [ids[1]])
        #expect(try await store.runs(matching: RunQuery(state: .waiting, leaver: "E-2")).isEmpty)
    }
}
