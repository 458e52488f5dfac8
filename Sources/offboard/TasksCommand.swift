import ArgumentParser
import Foundation
import Playbook
import OffboardRuntime

extension Offboard {
    /// `offboard tasks`: what people are asked to do.
    struct Tasks: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the tasks waiting for a person, across running runs.",
            discussion: """
                A task is listed while it waits to be completed, or, once completed, while it waits \
                for approvals. Each entry shows who is asked, when it is due, and the command that \
                completes it.

                Examples:
                  offboard tasks
                  offboard tasks --assignee facilities --overdue
                  offboard tasks --format json

                Exit codes: 0 listed (even none); 69 the run database cannot be opened.
                """
        )

        @Option(help: ArgumentHelp("Only tasks this person or team is asked to do or approve.", valueName: "name"))
        var assignee: String?

        @Flag(help: "Only tasks past their deadline.")
        var overdue = false

        @Option(help: "Output format.")
        var format: OutputFormat = .text

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let query = TaskQuery(store: try store.openReadOnly(), registry: try HandlerSetup.registryOrExit())
            let listing = try await query.open(assignee: assignee, overdue: overdue, now: CommandClock.current.now())
            for (run, problem) in listing.unreadable { Output.error("warning: run \(run) could not be read: \(problem)") }
            let tasks = listing.tasks
            switch format {
            case .json: Output.json(tasks)
            case .text:
                if tasks.isEmpty { Output.error("no tasks waiting\(assignee.map { " for \($0)" } ?? "")\(overdue ? " past their deadline" : "")") }
                for task in tasks { Output.text(Self.describe(task), terminator: "") }
            }
        }

        static func describe(_ task: TaskReport) -> String {
            let key = InstanceKey(step: task.step, item: task.item).description
            let due = task.due.map { "due \(DateText.iso8601($0))\(task.overdue ? " — OVERDUE" : "")" } ?? "no deadline"
            // One line each: a line break in a value is shown escaped, never as a line of its own.
            var lines = ["\(task.run) \(SafeText.terminal(key)) [\(task.state)] for \(SafeText.terminal(task.assignee)), \(due)", "  \(SafeText.terminal(task.title))"]
            if let instructions = task.instructions { lines.append("  \(instructions)") }
            // A command that pastes into a shell: every value from the run quoted, placeholders in capitals.
            let item = task.item.map { " --item \(ShellWord.quoted($0))" } ?? ""
            let target = "\(ShellWord.quoted(task.run)) \(ShellWord.quoted(task.step))\(item)"
            if let approvals = task.approvals, task.state == StepState.awaitingApproval.name {
                let waiting = approvals.approvers.filter { name in !approvals.given.contains { $0.caseInsensitiveCompare(name) == .orderedSame } }
                lines.append("  completed by \(task.completedBy ?? "?"); approvals \(approvals.given.count) of \(approvals.required) (from: \(waiting.joined(separator: ", ")))")
                lines.append("  approve: offboard approve \(target) --by NAME")
            } else {
                let evidence = task.evidence.filter(\.required).map { " --evidence \(ShellWord.quoted("\($0.name)=\($0.placeholder)"))" }
                lines.append("  complete: offboard complete \(target) --by NAME\(evidence.joined())")
                for field in task.evidence {
                    var line = "    \(field.name)\(field.required ? "" : " (optional)"): \(field.expectation)"
                    if let expected: JSONValue = field.expected { line += "; must be " + expected.readableText }
                    if let description = field.description { line += " — \(description)" }
                    lines.append(line)
                }
                if let approvals = task.approvals { lines.append("  then \(approvals.required) approval(s) from: \(approvals.approvers.joined(separator: ", "))") }
            }
            return lines.joined(separator: "\n") + "\n\n"
        }
    }

    /// `offboard reschedule`: move the leave time of a running run.
    struct Reschedule: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a running run's leave time (or another date input); timers and deadlines move with it.",
            discussion: """
                Steps that have not started get their new start time and every deadline that depends \
                on the changed input is worked out again. A time brought forward to now acts at \
                once. The change is journaled with who made it and why. Only date and datetime \
                inputs can change. A time more than a minute in the past is refused (saying how long \
                ago it is) unless confirmed with --allow-past; `now` needs no confirmation. Either then \
                acts at once, and the evidence keeps the time given, so time-to-revoke stays honest.

                Examples:
                  offboard reschedule r-20261123-1f3a9c0e4b2d --set leave_at=2026-12-18T17:00:00Z \\
                    --reason "notice period extended" --by hr:amy
                  offboard reschedule r-20261123-1f3a9c0e4b2d --set leave_at=now --reason "dismissed"

                Exit codes: 0 rescheduled; 1 the run has finished; 64 a --set word that is not name=value \
                (or a name given twice), or a --reason that is blank or over 2,000 characters; 65 not a date \
                input, not a valid time, or in the past without --allow-past; 66 no such run.
                """
        )

        @Argument(help: "The run id.")
        var run: String

        @Option(name: .customLong("set"), help: ArgumentHelp("The new value of a date or datetime input (repeatable); `now` for now.",
                                                          valueName: "name=value"))
        var assignments: [String] = []

        @Option(help: "Why (recorded).")
        var reason: String

        @Flag(name: .customLong("allow-past"), help: "Accept a time already in the past: the steps timed from it act at once.")
        var allowPast = false

        @OptionGroup var actor: ActorOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var secrets: SecretOptions

        func validate() throws {
            try CommandInput.checkReason(reason)
            _ = try CommandInput.pairs(assignments, option: "--set")
        }

        func run() async throws {
            let clock = CommandClock.current
            let given = Dictionary(try CommandInput.pairs(assignments, option: "--set"), uniquingKeysWith: { first, _ in first })
            let changes = ChangedFields.resolved(given, now: clock.now())
            let submission = RequestSubmission(database: try store.openStore(), secrets: secrets, clock: clock)
            let state = try await submission.submit(RunRequest(runID: run, kind: .reschedule, reason: try RequestReason.checked(reason).get(), fields: changes,
                                                               requestedBy: actor.name, requestedAt: clock.now(), allowPast: allowPast))
            Output.error("run \(run) rescheduled by \(actor.name); it is \(state.rawValue)")
        }
    }
}

/// Words for a command line a person pastes into a POSIX shell.
enum ShellWord {
    /// `word` as it is when it holds only safe characters, else in single quotes (a quote inside as `'\''`).
    static func quoted(_ word: String) -> String {
        let safe = word.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_./:@=,+%".unicodeScalars.contains($0) }
        if safe, !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
