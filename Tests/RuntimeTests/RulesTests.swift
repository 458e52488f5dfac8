import Engine
import Handlers
import Foundation
import OffboardRuntime
import Playbook
import Testing

/// The runtime's one copy of each rule the front ends share, checked on its own (the front ends' agreement with it
/// is checked through each of them in OffboardCLITests/OneRuleTests).
@Suite struct RulesTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func core() throws -> RunCore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("offboard-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("rules.yaml").path
        try """
            playbook: rules
            version: 1
            inputs: { leave_at: { type: datetime } }
            steps:
              - id: a
                uses: log
                with: { message: a }
                compensate: { uses: log, with: { message: undo } }
              - { id: b, uses: log, needs: [a], with: { message: b } }
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = PlaybookLoader(catalog: BuiltInHandlers.registry()).load(path: path)
        let playbook = try #require(result.playbook, "\(result.diagnostics)")
        return RunCore(runID: "r1", playbook: playbook, inputs: [:], timeZone: .gmt)
    }

    @Test func whatEachRoleMayAskOfARunInEachState() throws {
        var run = try Self.core()
        _ = try run.start(at: Self.t0)
        #expect(RunActions.allowed(for: .hr, core: run) == [.cancel, .reschedule])
        #expect(RunActions.allowed(for: .operator, core: run) == [.cancel, .reschedule])
        #expect(RunActions.allowed(for: .auditor, core: run).isEmpty)
        #expect(RunActions.allowed(for: .task, core: run).isEmpty)
        _ = try run.attemptSucceeded(InstanceKey(step: "a"), attempt: 1, output: .null, at: Self.t0)
        _ = try run.requestCancel(reason: "withdrawn", by: "hr", at: Self.t0)
        #expect(RunActions.allowed(for: .operator, core: run) == [.cancel, .reschedule], "cancelling while b runs: not finished yet")
        _ = try run.attemptCancelled(InstanceKey(step: "b"), attempt: 1, at: Self.t0)
        #expect(run.state == .cancelled)
        #expect(RunActions.allowed(for: .operator, core: run) == [.reverse], "a cancelled run can be reversed, once")
        #expect(RunActions.allowed(for: .hr, core: run).isEmpty)
        _ = try run.reverse(by: "ops", reason: "rehired", at: Self.t0)
        #expect(RunActions.allowed(for: .operator, core: run) == [.cancel, .reschedule], "a reversal in progress")
        _ = try run.attemptFailed(InstanceKey(step: "undo:a"), attempt: 1, message: "down", retryable: false, at: Self.t0)
        #expect(run.state == .failed)
        #expect(RunActions.allowed(for: .operator, core: run) == [.retry], "a failed reversal is retried, not reversed again")
    }

    @Test func aReasonIsTrimmedAndOneToTwoThousandCharacters() throws {
        #expect(try RequestReason.checked("  moved on  ").get() == "moved on")
        #expect(RequestReason.checked(nil) == .failure(InputRefusal(.missing, field: "reason", limit: 2000)))
        #expect(RequestReason.checked(" \n ") == .failure(InputRefusal(.missing, field: "reason", limit: 2000)))
        #expect(RequestReason.checked(String(repeating: "x", count: 2001)) == .failure(InputRefusal(.tooLong, field: "reason", limit: 2000)))
        #expect((try? RequestReason.checked(String(repeating: "x", count: 2000)).get())?.count == 2000)
        #expect(InputRefusal(.tooLong, field: "reason", limit: 2000).sentence() == "'reason' must be 1–2000 characters")
        #expect(InputRefusal(.tooLong, field: "reason", limit: 2000).sentence(naming: "--reason") == "--reason must be 1–2000 characters")
    }

    @Test func nameValueWords() throws {
        let pairs = try NameValuePairs.parse(["a=1", "b==2", "c="], field: "--set").get()
        #expect(pairs.map(\.name) == ["a", "b", "c"])
        #expect(pairs.map(\.value) == ["1", "=2", ""])
        func refusal(_ words: [String]) -> InputRefusal? {
            if case .failure(let refusal) = NameValuePairs.parse(words, field: "--set") { refusal } else { nil }
        }
        #expect(refusal(["a"])?.code == .notAPair)
        #expect(refusal(["=1"])?.code == .notAPair)
        #expect(refusal(["a=1", "a=2"]) == InputRefusal(.givenTwice, field: "a"))
    }

    @Test func nowIsTheMomentOfTheRequest() {
        #expect(ChangedFields.resolved(["leave_at": "now", "last_day": "2030-01-01"], now: Self.t0)
                == ["leave_at": DateText.iso8601(Self.t0), "last_day": "2030-01-01"])
    }
}
