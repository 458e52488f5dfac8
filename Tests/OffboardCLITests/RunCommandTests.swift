import Foundation
import Testing

/// start, run, status, list, history, cancel and retry through the real binary on a real database.
@Suite struct RunCommandTests {
    /// A scratch directory with playbooks and its own database (given through `OFFBOARD_DB`).
    struct Scratch {
        let directory: String
        var environment: [String: String] { ["OFFBOARD_DB": "\(directory)/runs.sqlite"] }

        init() throws {
            directory = NSTemporaryDirectory() + "offboard-cli-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }

        func write(_ name: String, _ yaml: String) throws {
            try yaml.replacingOccurrences(of: "DIR", with: directory).write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
        }

        func offboard(_ arguments: [String]) throws -> CLI.Outcome {
            try CLI.run(arguments, environment: environment, directory: directory)
        }

        func status(_ id: String) throws -> [String: Any] {
            try CLI.json(try offboard(["status", id, "--format", "json"]).stdout)
        }
    }

    static let farewell = """
        playbook: farewell
        version: 1
        inputs: { who: { type: string, required: true }, devices: { type: list, default: [] } }
        steps:
          - { id: hello, uses: log, with: { message: "bye {{ inputs.who }}" } }
          - id: collect
            uses: command
            needs: [hello]
            for_each: inputs.devices
            with: { argv: [/bin/sh, -c, 'echo "$OFFBOARD_IDEMPOTENCY_KEY" >> DIR/collected'] }
          - id: revoke
            uses: command
            needs: [collect]
            retry: { attempts: 1 }
            with: { argv: [/bin/sh, -c, 'test -e DIR/fixed && echo "$OFFBOARD_IDEMPOTENCY_KEY" >> DIR/revoked'] }
          - { id: done, uses: log, needs: [revoke], with: { message: "{{ inputs.who }} is out" } }
        """

    @Test func aFailedRunIsRetriedFromItsFailedStepKeepingWhatSucceeded() throws {
        let scratch = try Scratch()
        try scratch.write("farewell.yaml", Self.farewell)
        let first = try scratch.offboard(["run", "farewell.yaml", "--set", "who=ann", "--set", #"devices=["LT-1","PH-2"]"#])
        #expect(first.status == 1, "\(first.stderr)")
        let id = first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.hasPrefix("r-"))

        let failed = try scratch.status(id)
        #expect(failed["state"] as? String == "failed")
        let steps = try #require(failed["steps"] as? [[String: Any]])
        #expect(steps.map { "\($0["id"]!)/\($0["item"] as? String ?? "-")=\($0["state"]!)" }
                == ["hello/-=succeeded", "collect/LT-1=succeeded", "collect/PH-2=succeeded", "revoke/-=failed", "done/-=cancelled"])
        #expect(steps.allSatisfy { $0.keys.contains("item") && $0["attempts"] is Int })

        let again = try scratch.offboard(["retry", id, "--by", "it-ops"])
        #expect(again.status == 1 && again.stderr.contains("is failed"), "a redrive that fails again exits 1: \(again.stderr)")
        _ = FileManager.default.createFile(atPath: "\(scratch.directory)/fixed", contents: nil)
        let retried = try scratch.offboard(["retry", id, "revoke", "--by", "it-ops"])
        #expect(retried.status == 0, "\(retried.stderr)")
        let after = try scratch.status(id)
        #expect(after["state"] as? String == "succeeded")
        let revoke = try #require((after["steps"] as? [[String: Any]])?.first { $0["id"] as? String == "revoke" })
        #expect(revoke["attempts"] as? Int == 3)
        let collected = try String(contentsOfFile: "\(scratch.directory)/collected", encoding: .utf8)
        #expect(collected == "\(id)/collect/LT-1\n\(id)/collect/PH-2\n" || collected == "\(id)/collect/PH-2\n\(id)/collect/LT-1\n",
                "succeeded steps ran again")

        let history = try scratch.offboard(["history", id])
        #expect(history.stdout.contains("run.redriven"))
        #expect(history.stdout.contains("by it-ops"))
        let json = try JSONSerialization.jsonObject(with: Data(try scratch.offboard(["history", id, "--format", "json"]).stdout.utf8))
        let entries = try #require(json as? [[String: Any]])
        #expect(entries.map { $0["sequence"] as? Int } == Array(1...entries.count).map { Optional($0) })
        #expect(entries.allSatisfy { ($0["at"] as? String)?.hasSuffix("Z") == true && $0["text"] is String })
        #expect(try scratch.offboard(["retry", id]).status == 1, "a succeeded run is not redriven")
    }

    @Test func aWaitingRunIsCancelledWithItsReason() throws {
        let scratch = try Scratch()
        try scratch.write("pause.yaml", """
            playbook: pause
            version: 1
            steps:
              - { id: hello, uses: log, with: { message: hi } }
              - { id: pause, uses: wait, needs: [hello], with: { for: 2h } }
              - { id: after, uses: log, needs: [pause], with: { message: later } }
            """)
        let run = try scratch.offboard(["run", "pause.yaml"])
        #expect(run.status == 3, "waiting: \(run.stderr)")
        let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let waiting = try scratch.status(id)
        #expect(waiting["state"] as? String == "waiting")
        #expect(waiting["wake_at"] is String)

        let listed = try JSONSerialization.jsonObject(with: Data(try scratch.offboard(["list", "--state", "waiting", "--format", "json"]).stdout.utf8))
        #expect((listed as? [[String: Any]])?.map { $0["id"] as? String } == [id])

        #expect(try scratch.offboard(["cancel", id]).status == 64, "--reason is required")
        let cancel = try scratch.offboard(["cancel", id, "--reason", "resignation withdrawn", "--by", "hr-bob"])
        #expect(cancel.status == 0, "\(cancel.stderr)")
        let cancelled = try scratch.status(id)
        #expect(cancelled["state"] as? String == "cancelled")
        #expect((cancelled["steps"] as? [[String: Any]])?.map { $0["state"] as? String } == ["succeeded", "cancelled", "cancelled"])
        #expect(try scratch.offboard(["history", id]).stdout.contains("cancel requested by hr-bob: resignation withdrawn"))
        #expect(try scratch.offboard(["cancel", id, "--reason", "again"]).status == 1)
        #expect(try scratch.offboard(["status", "r-20990101-000000000000"]).status == 66)
    }

    @Test func startsWithOneKeyRacingFromEightProcessesMakeOneRun() throws {
        let scratch = try Scratch()
        try scratch.write("farewell.yaml", Self.farewell)
        let processes = try (0..<8).map { _ -> (Process, Pipe) in
            let process = Process(), out = Pipe()
            process.executableURL = URL(fileURLWithPath: CLI.binary)
            process.arguments = ["start", "farewell.yaml", "--set", "who=ann", "--key", "hr-ticket-4711"]
            process.currentDirectoryURL = URL(fileURLWithPath: scratch.directory)
            process.environment = ProcessInfo.processInfo.environment.merging(scratch.environment) { $1 }
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            return (process, out)
        }
        let ids = processes.map { process, out in
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return process.terminationStatus == 0 ? text.trimmingCharacters(in: .whitespacesAndNewlines) : "exit \(process.terminationStatus)"
        }
        #expect(Set(ids).count == 1, "\(ids)")
        let listed = try JSONSerialization.jsonObject(with: Data(try scratch.offboard(["list", "--format", "json"]).stdout.utf8))
        #expect((listed as? [[String: Any]])?.count == 1)

        let again = try scratch.offboard(["start", "farewell.yaml", "--set", "who=ann", "--key", "hr-ticket-4711"])
        #expect(again.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == ids.first)
        #expect(again.stderr.contains("was used before"))
    }

    @Test func theDatabaseComesFromTheFlagTheEnvironmentOrTheDefault() throws {
        let scratch = try Scratch()
        try scratch.write("hello.yaml", "playbook: hello\nversion: 1\nsteps:\n  - { id: hello, uses: log, with: { message: hi } }\n")
        let flagged = try CLI.run(["start", "hello.yaml", "--db", "\(scratch.directory)/flag.sqlite"], directory: scratch.directory)
        #expect(flagged.status == 0)
        #expect(FileManager.default.fileExists(atPath: "\(scratch.directory)/flag.sqlite"))
        let defaulted = try CLI.run(["start", "hello.yaml"], environment: ["XDG_DATA_HOME": "\(scratch.directory)/data", "OFFBOARD_DB": ""],
                                    directory: scratch.directory)
        #expect(defaulted.status == 0, "\(defaulted.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(scratch.directory)/data/offboard/offboard.sqlite"))
        let unopenable = try CLI.run(["start", "hello.yaml", "--db", "/proc/offboard/runs.sqlite"], directory: scratch.directory)
        #expect(unopenable.status == 69)
        let missing = try CLI.run(["list", "--db", "\(scratch.directory)/nothing-here.sqlite"])
        #expect(missing.status == 66 && missing.stderr.contains("never creates one"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(scratch.directory)/nothing-here.sqlite"), "a command that reads creates nothing")

        let worker = try scratch.offboard(["worker", "--until-idle"])
        #expect(worker.status == 0)
        let both = try CLI.run(["worker", "--until-idle", "--db", "\(scratch.directory)/flag.sqlite"])
        #expect(both.stderr.contains("drove 1 run(s), 1 finished"), "\(both.stderr)")
    }

    @Test func theQuickStartRunRevokesAccessOnceEvenWhenRepeated() throws {
        let scratch = try Scratch()
        let environment = scratch.environment.merging(["OFFBOARD_DEMO_DIR": "\(scratch.directory)/demo"]) { $1 }
        let arguments = ["run", "quickstart-leaver", "--input", "Workflows/samples/jryan.json", "--key", "hr-4711"]
        let first = try CLI.run(arguments, environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        let id = first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let status = try CLI.json(try scratch.offboard(["status", id, "--format", "json"]).stdout)
        #expect(status["state"] as? String == "succeeded")
        let steps = try #require(status["steps"] as? [[String: Any]])
        #expect(steps.map { "\($0["id"]!)/\($0["item"] as? String ?? "-")" }
                == ["record-start/-", "revoke-crm-access/-", "revoke-single-sign-on/-", "open-device-tickets/LT-20931",
                    "open-device-tickets/PH-5512", "record-end/-"])
        let sso = try #require(steps.first { $0["id"] as? String == "revoke-single-sign-on" }?["output"] as? [String: Any])
        #expect(sso["state"] as? String == "revoked")
        #expect(sso["user"] as? String == "jryan@example.com")

        let again = try CLI.run(arguments, environment: environment)
        #expect(again.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == id)
        let log = try String(contentsOfFile: "\(scratch.directory)/demo/revocations.log", encoding: .utf8)
        #expect(log.split(separator: "\n").sorted() == ["\(id)/revoke-crm-access crm jryan", "\(id)/revoke-single-sign-on sso jryan@example.com"])
    }
}
