@testable import Engine
import Foundation
import Handlers
import Playbook
import SQLiteStore
import Testing

/// A run started in the process whose worker loop runs (a server's hook or start request) is made leased to that
/// worker and driven at once, up to the worker's concurrency; beyond it, a run is made unleased and waits for a slot.
@Suite struct HandoffTests {
    @Test(.timeLimit(.minutes(1)))
    func runsAreHandedToTheRunningLoopUpToItsConcurrency() async throws {
        let setup = try ExecutorTests.Setup("""
            playbook: handoff
            version: 1
            steps:
              - id: hold
                uses: command
                with:
                  argv: [/bin/sh, -c, 'echo "$OFFBOARD_RUN_ID" >> DIR/started; while [ ! -e DIR/go ]; do sleep 0.05; done']
            """)
        let configuration = WorkerConfiguration(concurrency: 2, leaseDuration: 5, holdWindow: 5, requestPollInterval: 0.1, pollInterval: 0.1)
        let worker = Worker(store: setup.store, registry: BuiltInHandlers.registry(), configuration: configuration)
        #expect(worker.reserveHandoff() == nil, "no loop runs yet: nothing is handed off")
        let loop = Task { try await worker.run(untilIdle: false) }
        while worker.reserveHandoff() == nil { try await Task.sleep(nanoseconds: 10_000_000) }
        worker.cancelHandoff()

        let inputs = try InputBinder.bind(setup.playbook, record: nil, overrides: [])
        let starter = RunStarter(store: setup.store)
        var handed: [String] = []
        for index in 0..<2 {
            let started = try await starter.start(setup.playbook, inputs: inputs, key: "k\(index)", by: "test", handingTo: worker)
            let summary = try #require(try await setup.store.summary(of: started.id))
            #expect(summary.leaseOwner == configuration.workerID, "made leased to the worker")
            handed.append(started.id)
        }
        // Both slots are taken: the third is made unleased, and nobody claims it while they stay taken.
        let third = try await starter.start(setup.playbook, inputs: inputs, key: "k2", by: "test", handingTo: worker)
        #expect(try await setup.store.summary(of: third.id)?.leaseOwner == nil)
        // The same key again is the same run, and no slot stays reserved for it.
        #expect(try await starter.start(setup.playbook, inputs: inputs, key: "k0", by: "test", handingTo: worker) == (handed[0], false))
        // Well inside the 5 s lease: a run made leased and not driven would only be claimed once its lease lapsed.
        let giveUp = Date().addingTimeInterval(3)
        while setup.lines("started").count < 2 {
            try #require(Date() < giveUp, "the handed-off runs were not driven at once")
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(Set(setup.lines("started")) == Set(handed), "only the two handed-off runs started")

        _ = FileManager.default.createFile(atPath: "\(setup.directory)/go", contents: nil)
        for id in handed + [third.id] {
            while try await setup.store.summary(of: id)?.state != .succeeded { try await Task.sleep(nanoseconds: 20_000_000) }
        }
        loop.cancel()
        let report = try await loop.value
        #expect(report.runsDriven == 3)
        #expect(worker.reserveHandoff() == nil, "the loop has stopped: nothing is handed off")
        for id in handed + [third.id] {
            let summary = try #require(try await setup.store.summary(of: id))
            #expect(summary.leaseOwner == nil)
            #expect(summary.leaseGeneration == 1, "leased once: handed off (or, the third, claimed once), never claimed again")
        }
    }

    /// A handed-off run's drive starts as it is handed off, without a turn of the loop: under a burst of HR triggers
    /// each turn waits for the two threads behind everything else, and the last run's first step waited for a hundred
    /// of them. The last loop to stop cancels the drives still going and waits for them, and takes no more.
    @Test(.timeLimit(.minutes(1)))
    func handedOffRunsAreDrivenAtOnceAndEndWithTheLoop() async throws {
        let handoffs = Handoffs(capacity: 2)
        #expect(!handoffs.reserve(), "no loop runs: nothing is handed off")
        handoffs.loopStarted()
        let started = AsyncStream<String>.makeStream()
        for id in ["a", "b"] {
            #expect(handoffs.reserve())
            #expect(handoffs.start(id) {
                started.continuation.yield(id)
                // Driven until cancelled, as a run whose step still runs.
                while !Task.isCancelled { try? await Task.sleep(nanoseconds: 10_000_000) }
                return id == "a" ? .succeeded : nil
            })
        }
        var seen: Set<String> = []
        for await id in started.stream {
            seen.insert(id)
            if seen.count == 2 { break }
        }
        #expect(seen == ["a", "b"], "both drives started without any loop turn")
        #expect(!handoffs.reserve(), "both slots are taken while the drives go on")
        #expect(handoffs.freeSlots() == 0)

        let drives = handoffs.loopStopped()
        #expect(drives.count == 2)
        drives.forEach { $0.cancel() }
        for drive in drives { await drive.value }
        #expect(handoffs.freeSlots() == 2, "each ended drive gave its slot back")
        let report = handoffs.takeReport()
        #expect(report.runsDriven == 2)
        #expect(report.finished == ["a": .succeeded], "what the drives did is reported once they have ended")
        #expect(!handoffs.reserve(), "the loop has stopped: nothing is handed off")
        handoffs.loopStarted()
        #expect(handoffs.reserve())
        handoffs.loopStopped().forEach { $0.cancel() }
        #expect(!handoffs.start("c") { nil }, "a run made as the last loop stopped is not driven here (its lease is given back)")
        #expect(handoffs.freeSlots() == 2)
    }
}
