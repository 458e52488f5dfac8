import ArgumentParser
import Foundation
import OffboardRuntime
import Playbook

/// A retention period: `--older-than`, or env `OFFBOARD_RETENTION`.
struct RetentionOption: ParsableArguments {
    @Option(name: .customLong("older-than"), help: ArgumentHelp("Finished runs last changed longer ago than this (such as 400d); default: env OFFBOARD_RETENTION.",
                                                                valueName: "duration"))
    var olderThan: String?

    /// The period, or nil when neither the option nor the environment sets one; exits 64 on a bad duration.
    func period() throws -> PlaybookDuration? { try Self.period(olderThan) }

    /// `text`, else env `OFFBOARD_RETENTION`, as a duration; nil when neither is set.
    static func period(_ given: String?) throws -> PlaybookDuration? {
        guard let text = given ?? ProcessInfo.processInfo.environment["OFFBOARD_RETENTION"].flatMap({ $0.isEmpty ? nil : $0 }) else { return nil }
        guard let duration = PlaybookDuration(parsing: text), duration.seconds > 0 else {
            throw ValidationError("'\(text)' is not a duration such as 400d, 52w or 12h")
        }
        return duration
    }
}

extension Offboard {
    /// `offboard purge`: delete the personal data of old finished runs.
    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete the leaver's personal data from finished runs older than a retention period.",
            discussion: """
                Inputs a playbook declares `personal: true` (a name, an email) are stored with the run, \
                apart from the journal, which holds only tokens such as ⟪full_name⟫ where they appeared. \
                purge deletes them (and the free text of the run's handled requests); the timeline, the \
                evidence pack, the hash chain and `offboard verify` keep working. `offboard worker \
                --retention` (or env OFFBOARD_RETENTION) does this hourly.

                Examples:
                  offboard purge --older-than 400d --dry-run
                  OFFBOARD_RETENTION=400d offboard purge

                Exit codes: 0 purged (or nothing to purge); 64 no or a bad retention period; 69 the run \
                database cannot be opened.
                """
        )

        @OptionGroup var retention: RetentionOption

        @Flag(help: "List what would be purged, and stop.")
        var dryRun = false

        @Option(help: "Output format.")
        var format: OutputFormat = .text

        @OptionGroup var store: StoreOptions

        func run() async throws {
            guard let period = try retention.period() else {
                throw ValidationError("give --older-than DURATION (or set OFFBOARD_RETENTION)")
            }
            let now = CommandClock.current.now()
            let purge = PersonalDataPurge(store: try store.openStore(), catalog: try HandlerSetup.registryOrExit())
            let purged = try await purge.purge(finishedBefore: now.addingTimeInterval(-TimeInterval(period.seconds)), at: now, dryRun: dryRun)
            switch format {
            case .json: Output.json(purged)
            case .text:
                for run in purged {
                    Output.text("\(run.run)  finished \(DateText.iso8601(run.finishedAt))  \(dryRun ? "would remove" : "removed") \(run.fields.isEmpty ? "nothing (no personal inputs)" : run.fields.joined(separator: ", "))")
                }
                Output.error("\(purged.count) run(s) \(dryRun ? "would be" : "were") purged (finished more than \(period) ago)")
            }
        }
    }
}
