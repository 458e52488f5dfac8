import Engine
import Foundation
import SQLiteStore
import Testing

/// Stopping a worker (what SIGINT/SIGTERM do to `offboard worker`) while a command runs.
@Suite struct WorkerShutdownTests {
    @Test func aStoppedWorkerKillsItsChildrenFreesItsLeasesAndTheStepRunsAgainWithItsKey() async throws {
        let setup = try ExecutorTests.Setup("""
            playbook: shutdown
            version: 1
            steps:
              - id: slow
                uses: command
                with:
                  argv: [/bin/sh, -c, 'echo "$OFFBOARD_IDEMPOTENCY_KEY $OFFBOARD_ATTEMPT" >> DIR/keys; [ -e DIR/second ] && exit 0; echo $$ > DIR/pid; exec sleep 60']
            """)
        let id = try await setup.start()
        let worker = setup.worker()
        let running = Task { try await worker.run(untilIdle: false) }
        var pid: Int32?
        for _ in 0..<500 where pid == nil {
            pid = setup.lines("pid").first.flatMap { Int32($0) }
            if pid == nil { try await Task.sleep(nanoseconds: 20_000_000) }
        }
        let child = try #require(pid, "the command never started")
        running.cancel()
        _ = try await running.value

        #expect(await ExecutorTests.isRunning(child) == false, "the child outlived the worker")
        let summary = try #require(try await setup.store.summary(of: id))
        #expect(summary.leaseOwner == nil)
        #expect(summary.state == .running)

        // A new worker takes the run at once (no lease to wait out) and runs the step again.
        _ = FileManager.default.createFile(atPath: "\(setup.directory)/second", contents: nil)
        let report = try await setup.worker().run(untilIdle: true)
        #expect(report.finished[id] == .succeeded)
        #expect(setup.lines("keys") == ["\(id)/slow 1", "\(id)/slow 2"])
        let step = try #require(try await setup.report(id).steps.first)
        #expect(step.interruptions == 1)
        #expect(step.attempts == 2)
    }
}
