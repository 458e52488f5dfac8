import Engine
import Foundation
import Handlers
import Playbook
import SQLiteStore
import Testing

/// A run started while a worker is idle starts at once: the start wakes the worker (inotify on a file beside
/// the database) instead of waiting for its next poll.
@Suite struct WakeUpTests {
    @Test func aStartWakesAnIdleWorkerLongBeforeItsNextPoll() async throws {
        let setup = try ExecutorTests.Setup("""
            playbook: wake
            version: 1
            steps:
              - { id: hello, uses: log, with: { message: hi } }
            """)
        // A poll every 30 s: without the wake-up the run would wait that long.
        let worker = Worker(store: setup.store, registry: BuiltInHandlers.registry(),
                            configuration: WorkerConfiguration(leaseDuration: 30, requestPollInterval: 30, pollInterval: 30))
        // A run already due when the loop starts is claimed at its first look; once it is finished and given back,
        // the loop is idle, waiting for its next poll.
        let first = try await setup.start()
        let running = Task { try await worker.run(untilIdle: false) }
        defer { running.cancel() }
        try await Self.until("the first run is finished and given back") { try await Self.isDone(first, in: setup.store) }
        var latencies: [Double] = []
        for _ in 0..<5 {
            let started = Date()
            let id = try await setup.start()
            var firstEntry: Date?
            // The next poll is 30 s away: anything well under that was a wake-up. (The bounds are wide because on a
            // loaded 2-core machine the whole suite's tests share the threads this worker runs on.)
            while firstEntry == nil, Date().timeIntervalSince(started) < 25 {
                firstEntry = try await setup.store.loadRun(id)?.journal.first?.at
                if firstEntry == nil { try await Task.sleep(nanoseconds: 5_000_000) }
            }
            let at = try #require(firstEntry, "the run did not start within 25 s")
            latencies.append(at.timeIntervalSince(started))
            // Idle again before the next start.
            try await Self.until("run \(id) is finished and given back") { try await Self.isDone(id, in: setup.store) }
        }
        #expect(latencies.allSatisfy { $0 < 15 }, "woken, not polled: \(latencies)")
        print("wake-up: start to first journal entry \(latencies.map { String(format: "%.0f ms", $0 * 1000) }.joined(separator: ", "))")
    }

    /// True once the run has finished and its lease is given back (the worker that drove it holds nothing of it).
    static func isDone(_ id: String, in store: any RunStore) async throws -> Bool {
        guard let summary = try await store.summary(of: id) else { return false }
        return summary.state.isFinished && summary.leaseOwner == nil
    }

    /// Waits until `condition` holds, looking every few milliseconds; fails the test after 25 s.
    static func until(_ what: String, _ condition: () async throws -> Bool) async throws {
        let giveUp = Date().addingTimeInterval(25)
        while try await !condition() {
            guard Date() < giveUp else { throw WaitedTooLong(what: what) }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
    }

    struct WaitedTooLong: Error, CustomStringConvertible {
        var what: String
        var description: String { "waited 25 s for: \(what)" }
    }
}
