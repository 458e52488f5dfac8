import ArgumentParser
import Foundation
import Playbook
import OffboardRuntime

extension Offboard {
    /// `offboard status`: a run's state and every step's.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a run's state and each step's state and attempts.",
            discussion: """
                Examples:
                  offboard status r-20261123-1f3a9c0e4b2d
                  offboard status r-20261123-1f3a9c0e4b2d --format json

                Exit codes: 0 shown; 66 no such run; 69 the run database cannot be opened.
                """
        )

        @Argument(help: "The run id.")
        var run: String

        @Option(help: "Output format.")
        var format: OutputFormat = .text

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let (reading, stored) = try await store.read(run)
            let report = try reading.report(stored)
            switch format {
            case .json: Output.json(report)
            case .text:
                Output.text("run \(report.id): \(report.state.rawValue)")
                Output.text("playbook \(report.playbook.name) v\(report.playbook.version) (sha256 \(report.playbook.sha256.prefix(12)))")
                Output.text("started \(report.createdAt) by \(report.createdBy); updated \(report.updatedAt)\(report.wakeAt.map { "; next due \($0)" } ?? "")")
                for step in report.steps {
                    let name = step.item.map { "\(step.id) [\($0)]" } ?? step.id
                    var line = "  \(step.state.padding(toLength: 17, withPad: " ", startingAt: 0)) \(name)"
                    if step.attempts > 0 { line += "  attempts: \(step.attempts)" }
                    if step.interruptions > 0 { line += " (\(step.interruptions) interrupted)" }
                    if let reason = step.reason { line += "  \(reason)" }
                    if let error = step.error { line += "  error: \(error)" }
                    if let assignee = step.assignee, StepState.awaitingPerson.name == step.state || StepState.awaitingApproval.name == step.state {
                        line += "  for \(assignee): \(step.title ?? "")"
                    }
                    if let due = step.due, !["succeeded", "skipped"].contains(step.state) || step.overdue {
                        line += step.overdue ? "  deadline \(DateText.iso8601(due)) MISSED" : "  due \(DateText.iso8601(due))"
                    }
                    Output.text(line)
                    if let removal = step.removal {
                        Output.text("                 access: \(removal.rawValue)" + (step.removalReport.map { " — \($0.sentence)" } ?? ""))
                    }
                    if let verification = step.verification { Output.text("                 verified: \(verification.detail)") }
                }
            }
        }
    }

    /// `offboard list`: runs, newest first.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List runs, newest first.",
            discussion: """
                The filters are the API's and the console's (GET /v1/runs): every one is answered from the runs' rows,
                so --overdue does not replay any run.

                Examples:
                  offboard list
                  offboard list --state waiting --format json
                  offboard list --overdue --playbook standard-leaver
                  offboard list --leaver E-4411 --since 2026-12-01 --until 2026-12-31

                Exit codes: 0 listed; 64 a filter cannot be read; 69 the run database cannot be opened.
                """
        )

        @Option(help: ArgumentHelp("Only runs in this state: \(RunState.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "state"))
        var state: RunState?

        @Option(help: ArgumentHelp("Only runs of this playbook.", valueName: "name"))
        var playbook: String?

        @Option(help: ArgumentHelp("Only runs whose employee_id or email input is this (ignoring the case of ASCII letters).", valueName: "id-or-email"))
        var leaver: String?

        @Flag(help: "Only runs with a step past its deadline (missed, or still open with its deadline passed).")
        var overdue = false

        @Option(help: ArgumentHelp("Only runs created at or after this date-time (with a UTC offset), or from the start of this date (UTC).",
                                   valueName: "date"))
        var since: String?

        @Option(help: ArgumentHelp("Only runs created before this date-time (with a UTC offset), or up to the end of this date (UTC).",
                                   valueName: "date"))
        var until: String?

        @Option(help: "Most runs to show (1–\(RunFilters.limits.upperBound)).")
        var limit = RunFilters.defaultLimit

        @Option(help: "Output format.")
        var format: OutputFormat = .text

        @OptionGroup var store: StoreOptions

        var filters: RunFilters {
            RunFilters(state: state?.rawValue, playbook: playbook, leaver: leaver, overdue: overdue, since: since, until: until, limit: limit)
        }

        func validate() throws {
            if case .failure(let refusal) = filters.query(now: CommandClock.current.now()) { throw ValidationError(refusal.sentence(naming: "--\(refusal.field)")) }
        }

        func run() async throws {
            let now = CommandClock.current.now()
            let runs = try await store.openReadOnly().runs(matching: try filters.query(now: now).get())
            switch format {
            case .json:
                Output.json(runs.map { run in
                    JSONValue.object(["id": .string(run.id), "state": .string(run.state.rawValue), "playbook": .string(run.playbookName),
                                      "created_at": .string(DateText.iso8601(run.createdAt)), "created_by": .string(run.createdBy),
                                      "wake_at": run.wakeAt.map { .string(DateText.iso8601($0)) } ?? .null, "overdue": .bool(run.isOverdue(at: now))])
                })
            case .text:
                for run in runs {
                    let overdue = run.isOverdue(at: now) ? "  OVERDUE" : ""
                    Output.text("\(run.id)  \(run.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  \(run.playbookName)  \(DateText.iso8601(run.createdAt))  \(run.createdBy)\(overdue)")
                }
            }
        }
    }

    /// `offboard history`: every journal entry of a run.
    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every journal entry of a run, with its time.",
            discussion: """
                Examples:
                  offboard history r-20261123-1f3a9c0e4b2d
                  offboard history r-20261123-1f3a9c0e4b2d --format json

                Exit codes: 0 shown; 66 no such run; 69 the run database cannot be opened.
                """
        )

        @Argument(help: "The run id.")
        var run: String

        @Option(help: "Output format.")
        var format: OutputFormat = .text

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let (reading, stored) = try await store.read(run)
            let journal = RunReading.journal(stored, playbook: try reading.playbook(for: stored), revealing: true)
            switch format {
            case .json: Output.json(journal.map(HistoryLine.init))
            case .text:
                for entry in journal {
                    let text = JournalText.describe(entry, everything: true) ?? entry.event.typeName
                    Output.text("\(String(format: "%4d", entry.sequence))  \(DateText.iso8601(entry.at, fractionalSeconds: true))  \(entry.event.typeName.padding(toLength: 20, withPad: " ", startingAt: 0)) \(text)")
                }
            }
        }
    }
}

extension RunState: ExpressibleByArgument {}
