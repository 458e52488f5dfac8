import Foundation
import Testing

/// What `tasks` prints is a command a person can paste, and `complete` helps when the item is left out.
@Suite struct TaskCommandLineTests {
    static let playbook = """
        playbook: devices
        version: 1
        inputs: { devices: { type: list, default: ["LT 1", "PH'2"] } }
        steps:
          - id: collect
            uses: task
            for_each: inputs.devices
            with:
              assignee: it
              title: "Collect {{ item }}"
              evidence:
                - asset_tag
                - { name: condition, type: enum, values: [good, damaged, missing], findings: [missing] }
                - { name: notes, required: false, description: anything worth knowing }
          - { id: after, uses: log, needs: [collect], with: { message: done } }
        """

    @Test func tasksPrintsAPasteableCommandAndCompleteListsTheItems() throws {
        let scratch = try RunCommandTests.Scratch()
        try scratch.write("devices.yaml", Self.playbook)
        let run = try scratch.offboard(["run", "devices.yaml"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let listed = try scratch.offboard(["tasks"]).stdout
        #expect(listed.contains("  complete: offboard complete \(run) collect --item 'PH'\\''2' --by NAME --evidence asset_tag=TEXT --evidence condition=CHOICE"),
                "\(listed)")
        #expect(listed.contains("    condition: one of good, damaged, missing"))
        #expect(listed.contains("    notes (optional): text — anything worth knowing"))
        #expect(!listed.contains("good|damaged"), "choices are listed apart, not inside the command")

        let plan = try scratch.offboard(["plan", "devices.yaml"]).stdout
        #expect(plan.contains("evidence: asset_tag, condition, notes (optional)"), "\(plan)")
        #expect(!plan.contains("timeout"), "a task waits for a person; no attempt timeout is shown")

        let noItem = try scratch.offboard(["complete", run, "collect", "--by", "it:sam", "--evidence", "asset_tag=LT 1", "--evidence", "condition=good"])
        #expect(noItem.status == 1)
        #expect(noItem.stderr.contains("task collect is done once per item; name the item: one of LT 1, PH'2"), "\(noItem.stderr)")
        #expect(noItem.stderr.contains(#"hint: give --item with one of: 'LT 1', 'PH'\''2'"#), "the command line says how, in its own words: \(noItem.stderr)")

        // The pasted command, with the placeholders filled in, works in a real shell.
        let line = try #require(listed.split(separator: "\n").first { $0.contains("complete: offboard complete") && $0.contains("PH") })
        let command = String(line.split(separator: ":", maxSplits: 1)[1])
            .replacingOccurrences(of: "--by NAME", with: "--by it:sam").replacingOccurrences(of: "=TEXT", with: "=PH2").replacingOccurrences(of: "=CHOICE", with: "=missing")
            .replacingOccurrences(of: " offboard ", with: " '\(CLI.binary)' ")
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", command]
        shell.environment = ProcessInfo.processInfo.environment.merging(scratch.environment) { $1 }
        shell.currentDirectoryURL = URL(fileURLWithPath: scratch.directory)
        try shell.run()
        shell.waitUntilExit()
        #expect(shell.terminationStatus == 0, "\(command)")
        let status = try scratch.status(run)
        let phone = (status["steps"] as? [[String: Any]])?.first { $0["item"] as? String == "PH'2" }
        #expect(phone?["state"] as? String == "succeeded")
    }

    @Test func reverseDryRunNeedsNoReasonButAReversalDoes() throws {
        let scratch = try RunCommandTests.Scratch()
        try scratch.write("hello.yaml", "playbook: hello\nversion: 1\nsteps:\n  - { id: hello, uses: log, with: { message: hi } }\n")
        let run = try scratch.offboard(["run", "hello.yaml"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let dry = try scratch.offboard(["reverse", run, "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let missing = try scratch.offboard(["reverse", run])
        #expect(missing.status == 64 && missing.stderr.contains("reverse needs --reason"), "\(missing.stderr)")
    }
}
