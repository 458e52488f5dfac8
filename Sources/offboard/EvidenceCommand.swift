import ArgumentParser
import Foundation
import Playbook
import OffboardRuntime

extension Offboard {
    /// `offboard evidence`: the pack an auditor or regulator reads.
    struct Evidence: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a run's evidence pack: access removed against the leave time, tasks and their evidence, deadlines, checks, chain head.",
            discussion: """
                Built from the journal: the leaver (inputs not declared personal; personal ones are \
                named as withheld), the playbook's name, version and SHA-256, who triggered the run and \
                when, the leave time and any reschedule, every step's timeline, how long after the \
                leave time each access ended, the evidence and approvals people recorded, deadlines met \
                or missed and their escalations, the handlers' independent checks, and the journal's \
                hash-chain head (checked now; `offboard verify` checks it again later).

                The HTML form is one self-contained file (no scripts or outside resources) that prints well.

                Examples:
                  offboard evidence r-20261123-1f3a9c0e4b2d --format html --output jryan-evidence.html
                  offboard evidence r-20261123-1f3a9c0e4b2d --format md
                  offboard evidence r-20261123-1f3a9c0e4b2d --format json | jq .steps

                Exit codes: 0 written (even for a run still in progress); 1 the journal's chain is \
                broken (the pack is still written, and says so); 66 no such run.
                """
        )

        /// The forms a pack is written in.
        enum Format: String, ExpressibleByArgument, CaseIterable {
            case json, md, html
        }

        @Argument(help: "The run id.")
        var run: String

        @Option(help: "Output format.")
        var format: Format = .md

        @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
        var output: String?

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let (reading, stored) = try await store.read(run)
            let pack = try await reading.evidence(stored, now: CommandClock.current.now())
            let text: String
            switch format {
            case .json: text = Output.jsonText(pack)
            case .md: text = pack.markdown()
            case .html: text = pack.html()
            }
            if let output {
                do {
                    try text.write(toFile: output, atomically: true, encoding: .utf8)
                } catch {
                    Output.error("error: cannot write \(output): \(error.localizedDescription)")
                    throw ExitCodes.storeUnavailable
                }
                Output.error("evidence pack for run \(run) written to \(output)")
            } else {
                print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
            }
            if !pack.chain.intact {
                Output.error("error: the journal of run \(run) is BROKEN: \(pack.chain.problem ?? "")")
                throw ExitCodes.invalid
            }
        }
    }
}
