import Foundation
import Testing

/// Nothing from outside reaches a terminal raw: an input, a handler's error, a task title or a log line
/// holding ESC, CR or a bidi override is shown escaped by every command a person reads.
@Suite struct TerminalSafetyTests {
    static let hostile = "Eve\u{1B}[2J\u{202E}txt.exe\rX"

    @Test func controlAndBidiCharactersAreShownEscapedEverywhere() throws {
        let scratch = try RunCommandTests.Scratch()
        try scratch.write("hostile.yaml", """
            playbook: hostile
            version: 1
            inputs: { who: { type: string, required: true } }
            steps:
              - { id: note, uses: log, with: { message: "leaver {{ inputs.who }}" } }
              - id: ask
                uses: task
                with: { assignee: it, title: "Collect from {{ inputs.who }}", evidence: [asset_tag] }
              - id: fail
                uses: command
                retry: { attempts: 1 }
                on_failure: continue
                with: { argv: [/bin/sh, -c, 'printf "%s" "$1" >&2; exit 3', sh, "{{ inputs.who }}"] }
            """)
        let run = try scratch.offboard(["run", "hostile.yaml", "--set", "who=\(Self.hostile)"])
        let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        var seen = [("run", run.stdout + run.stderr)]
        for command in [["status", id], ["history", id], ["tasks"], ["list"]] {
            let outcome = try scratch.offboard(command)
            seen.append((command[0], outcome.stdout + outcome.stderr))
        }
        let plan = try scratch.offboard(["plan", "hostile.yaml", "--set", "who=\(Self.hostile)"])
        seen.append(("plan", plan.stdout + plan.stderr))
        for (command, text) in seen {
            #expect(!text.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{202E}" || $0 == "\r" }, "\(command) printed a raw control character")
        }
        #expect(seen.first { $0.0 == "history" }?.1.contains("exited with status 3: Eve\\e[2J\\u{202E}txt.exe\\rX") == true, "\(seen)")
        #expect(seen.first { $0.0 == "status" }?.1.contains("Eve\\e[2J\\u{202E}txt.exe\\rX") == true)
        #expect(seen.first { $0.0 == "tasks" }?.1.contains("Collect from Eve\\e[2J") == true)
    }
}
