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
        let running = Task { try await worker.run(untilIdle: false) }
        defer { running.cancel() }
        try await Task.sleep(nanoseconds: 300_000_000) // the worker is idle, waiting
        var latencies: [Double] = []
        for _ in 0..<5 {
            let started = Date()
            let id = try await setup.start()
            var first: Date?
            // The next poll is 30 s away: anything well under that was a wake-up. (The bounds are wide because on a
            // loaded 2-core machine the whole suite's tests share the threads this worker runs on.)
            while first == nil, Date().timeIntervalSince(started) < 25 {
                first = try await setup.store.loadRun(id)?.journal.first?.at
                if first == nil { try await Task.sleep(nanoseconds: 5_000_000) }
            }
            let at = try #require(first, "the run did not start within 25 s")
            latencies.append(at.timeIntervalSince(started))
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        #expect(latencies.allSatisfy { $0 < 15 }, "woken, not polled: \(latencies)")
        print("wake-up: start to first journal entry \(latencies.map { String(format: "%.0f ms", $0 * 1000) }.joined(separator: ", "))")
    }
}
