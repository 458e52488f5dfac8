import Engine
import Foundation
import SQLiteStore
import Testing

/// Retries through the worker and the store, on an injected clock: nothing sleeps.
@Suite struct RetryTimingTests {
    @Test func aRetryWaitsOutItsExponentialBackOffDurablyAndKeepsItsKey() async throws {
        let setup = try ExecutorTests.Setup("""
            playbook: backoff
            version: 1
            steps:
              - id: flaky
                uses: command
                retry: { attempts: 3, backoff: exponential, initial: 10m, max: 1h }
                with: { argv: [/bin/sh, -c, 'echo "$OFFBOARD_IDEMPOTENCY_KEY $OFFBOARD_ATTEMPT" >> DIR/calls; [ "$OFFBOARD_ATTEMPT" = 3 ] || exit 75'] }
            """)
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let id = try await setup.start(clock: clock)
        #expect(try await setup.worker(clock: clock).drive(runID: id) == .waiting)
        let firstFailure = clock.now()
        let firstRetry = try #require(try await setup.store.summary(of: id)?.wakeAt)
        // Equal jitter: the delay after attempt n is in [base/2, base) with base = 10m × 2^(n-1).
        #expect((300..<600).contains(firstRetry.timeIntervalSince(firstFailure)))

        // Each check is a new worker, as after a restart: the back-off lives in the store.
        clock.advance(to: firstRetry.addingTimeInterval(-1))
        #expect(try await setup.worker(clock: clock).run(untilIdle: true).runsDriven == 0)
        clock.advance(to: firstRetry)
        #expect(try await setup.worker(clock: clock).run(untilIdle: true).finished.isEmpty)
        let secondRetry = try #require(try await setup.store.summary(of: id)?.wakeAt)
        #expect((600..<1200).contains(secondRetry.timeIntervalSince(firstRetry)))

        clock.advance(to: secondRetry)
        #expect(try await setup.worker(clock: clock).run(untilIdle: true).finished == [id: .succeeded])
        #expect(setup.lines("calls") == ["\(id)/flaky 1", "\(id)/flaky 2", "\(id)/flaky 3"])
        let step = try #require(try await setup.report(id).steps.first)
        #expect(step.attempts == 3)
        #expect(step.state == "succeeded")
    }
}
