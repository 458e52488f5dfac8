@testable import Engine
import Foundation
import Playbook
import SQLiteStore
import Testing

/// A run handed to this process's worker is driven from `StoredRun(justCreated:)` instead of being read back: what it
/// says must be exactly what the store gives back, or the run would start from facts the journal and `verify` later
/// disagree with (its start facts are compared with the row).
@Suite struct StoredRunTests {
    @Test(arguments: [(false, true), (true, true), (true, false)])
    func aRunJustMadeIsWhatTheStoreGivesBack(leased: Bool, numbers: Bool) async throws {
        let setup = try ExecutorTests.Setup("""
            playbook: stored
            version: 1
            steps:
              - { id: note, uses: log, with: { message: "hello" } }
            """)
        // Sub-millisecond times, and inputs whose JSON does not come back as written (2.0 reads back as an integer).
        let created = Date(timeIntervalSince1970: 1_796_500_000.123_456)
        var inputs: [String: JSONValue] = ["count": .int(3), "min": .int(Int.min), "name": .string("Zoë \u{202E}ʇxǝʇ \"quoted\"\n\u{0}/"),
                                           "decomposed": .string("Zoe\u{0308}"), "nested": .array([.null, .bool(true), .object(["a": .int(-1), "": .string("")])])]
        if numbers { inputs.merge(["whole": .number(2.0), "fraction": .number(0.1), "big": .number(1e300)]) { _, new in new } }
        var run = NewRun(id: RunStarter.newRunID(at: created), startKey: "key-\(leased)-\(numbers)", playbook: setup.playbook, inputs: .object(inputs),
                         timeZone: "Europe/London", createdBy: "hook:test", createdAt: created)
        if leased { run.lease = (worker: "host:1:2", until: created.addingTimeInterval(30.000_4)) }
        #expect(try await setup.store.createRun(run) == (run.id, true))

        let loaded = try #require(try await setup.store.loadRun(run.id))
        let made = StoredRun(justCreated: run)
        #expect(made.summary == loaded.summary)
        #expect(made.document == loaded.document)
        #expect(made.inputs == loaded.inputs)
        if numbers { #expect(made.inputs != run.inputs, "the round trip changes the inputs, and both sides made it") }
        #expect(made.timeZone == loaded.timeZone)
        #expect(made.journal.isEmpty && loaded.journal.isEmpty)
        #expect(RunStartFacts(made) == RunStartFacts(loaded), "the facts the first journal entry records")
    }
}

/// An HR event about someone leaving for the first time makes its run and records it as theirs in one write, which
/// also checks that no run is recorded for them yet; when one is, it makes nothing (the hook then reads what it knows).
@Suite struct HookLeaverRunTests {
    @Test func aRunIsMadeForAnUnknownLeaverOnlyAndRecordedAsTheirs() async throws {
        let setup = try ExecutorTests.Setup("""
            playbook: leaver
            version: 1
            steps:
              - { id: note, uses: log, with: { message: "hello" } }
            """)
        func run(_ key: String, onlyIfUnknown: Bool) -> NewRun {
            var run = NewRun(id: RunStarter.newRunID(at: Date()), startKey: key, playbook: setup.playbook, inputs: .object([:]), timeZone: "UTC",
                             createdBy: "hook:bamboohr", createdAt: Date())
            run.leaver = HookLeaver(source: "bamboohr", employee: "E1", effective: key, onlyIfUnknown: onlyIfUnknown)
            return run
        }
        let first = run("2026-12-01", onlyIfUnknown: true)
        #expect(try await setup.store.createRun(first) == (first.id, true))
        let recorded = try await setup.store.hookLeaver(source: "bamboohr", employee: "E1")
        #expect(recorded?.runID == first.id && recorded?.effective == "2026-12-01")

        let moved = run("2026-12-09", onlyIfUnknown: true)
        await #expect(throws: HookLeaverKnown.self) { try await setup.store.createRun(moved) }
        #expect(try await setup.store.summary(of: moved.id) == nil, "nothing was made")
        let still = try await setup.store.hookLeaver(source: "bamboohr", employee: "E1")
        #expect(still?.runID == first.id && still?.effective == "2026-12-01", "nor recorded")

        // Without the condition (the hook has read what it knows and decided): made, and recorded as theirs.
        #expect(try await setup.store.createRun(run("2026-12-09", onlyIfUnknown: false)).created)
        #expect(try await setup.store.hookLeaver(source: "bamboohr", employee: "E1")?.effective == "2026-12-09")
    }
}
