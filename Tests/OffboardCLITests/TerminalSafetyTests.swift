import Foundation
import Testing

/// Nothing from outside reaches a terminal raw: an input, a handler's error, a task title or a log line
/// holding ESC, CR or a bidi override is shown escaped by every command a person reads.
@Suite struct TerminalSafetyTests {
    static let hostile = "Eve\u{1B}[2J\u{202E}txt.exe\rX"
    /// The same as a field of an object input, written as JSON (an object may hold any text; a string input is one
    /// line and refuses control characters).
    static let hostileRecord = #"{"name": "Eve\u001b[2J\u202etxt.exe\rX"}"#

    @Test func controlAndBidiCharactersAreShownEscapedEverywhere() throws {
        let scratch = try RunCommandTests.Scratch()
        try scratch.write("hostile.yaml", """
            playbook: hostile
            version: 1
            inputs: { who: { type: object, required: true } }
            steps:
              - { id: note, uses: log, with: { message: "leaver {{ inputs.who.name }}" } }
              - id: ask
                uses: task
                with: { assignee: it, title: "Collect from {{ inputs.who.name }}", evidence: [asset_tag] }
              - id: fail
                uses: command
                retry: { attempts: 1 }
                on_failure: continue
                with: { argv: [/bin/sh, -c, 'printf "%s" "$1" >&2; exit 3', sh, "{{ inputs.who.name }}"] }
            """)
        let run = try scratch.offboard(["run", "hostile.yaml", "--set", "who=\(Self.hostileRecord)"])
        let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        var seen = [("run", run.stdout + run.stderr)]
        for command in [["status", id], ["history", id], ["tasks"], ["list"]] {
            let outcome = try scratch.offboard(command)
            seen.append((command[0], outcome.stdout + outcome.stderr))
        }
        let plan = try scratch.offboard(["plan", "hostile.yaml", "--set", "who=\(Self.hostileRecord)"])
        seen.append(("plan", plan.stdout + plan.stderr))
        for (command, text) in seen {
            #expect(!text.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{202E}" || $0 == "\r" }, "\(command) printed a raw control character")
        }
        #expect(seen.first { $0.0 == "history" }?.1.contains("exited with status 3: Eve\\e[2J\\u{202E}txt.exe\\rX") == true, "\(seen)")
        #expect(seen.first { $0.0 == "status" }?.1.contains("Eve\\e[2J\\u{202E}txt.exe\\rX") == true)
        #expect(seen.first { $0.0 == "tasks" }?.1.contains("Collect from Eve\\e[2J") == true)
    }

    /// A line feed in an input is a control character too: it cannot forge lines of a plan. A string input refuses
    /// it (exit 65, naming the field, not echoing it); inside a list or object it is shown escaped in every line.
    @Test func aLineFeedCannotForgeLinesOfAPlan() throws {
        let scratch = try RunCommandTests.Scratch()
        try scratch.write("forge.yaml", """
            playbook: forge
            version: 1
            inputs:
              employee_id: { type: string, required: true }
              devices: { type: list, default: [] }
            steps:
              - { id: note, uses: log, with: { message: "leaver {{ inputs.employee_id }}" } }
              - { id: collect, uses: log, for_each: "{{ inputs.devices }}", item_id: "{{ item.tag }}", with: { message: "collect {{ item.tag }} {{ item.note }}" } }
            """)
        let refused = try scratch.offboard(["plan", "forge.yaml", "--set", "employee_id=E-4411\n# forged heading"])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("input 'employee_id' (from --set): expected one line of text"))
        #expect(!refused.stderr.contains("forged"))
        let devices = #"[{"tag": "LT-1", "note": "ok\n# forged heading\nwould: wipe everything"}]"#
        let plan = try scratch.offboard(["plan", "forge.yaml", "--set", "employee_id=E-4411", "--set", "devices=\(devices)"])
        #expect(plan.status == 0, "\(plan.stderr)")
        let lines = plan.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(!lines.contains { $0.hasPrefix("# forged") || $0.hasPrefix("would: wipe") }, "\(plan.stdout)")
        #expect(plan.stdout.contains(#"ok\n# forged heading\nwould: wipe everything"#), "\(plan.stdout)")
    }
}
