import ArgumentParser
import Foundation
import OffboardRuntime

extension Offboard {
    /// `offboard verify`: recomputes runs' journal hash chains.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that runs' journals were not edited: altered, deleted or reordered entries.",
            discussion: """
                Every journal entry carries SHA-256 over the previous entry's hash and its own content, so \
                changing, deleting or reordering an entry breaks the chain from there on. verify recomputes \
                it and names the first entry that is wrong. The run row (state, who started it and when, the \
                playbook and its hash, the leaver's inputs) is checked against the facts the chained journal \
                recorded when the run started, and the state it replays to.

                The chain heads can be exported and checked later (keep the file somewhere the database's \
                administrators cannot write): that also catches a run deleted whole, or a journal rewritten \
                with fresh hashes. A run that went on after the export still matches, as long as the entries \
                the export covered are unchanged.

                Examples:
                  offboard verify r-20261123-1f3a9c0e4b2d
                  offboard verify --all
                  offboard verify --all --export-heads /mnt/audit/heads-2026-11-23.json
                  offboard verify --all --heads /mnt/audit/heads-2026-11-23.json

                Exit codes: 0 every chain intact; 1 a chain is broken or a run in --heads is missing or \
                differs; 66 no such run; 69 the run database cannot be opened.
                """
        )

        @Argument(help: "Run ids to check.")
        var runs: [String] = []

        @Flag(help: "Check every run in the database.")
        var all = false

        @Option(help: ArgumentHelp("Write every checked run's head hash and entry count to this JSON file.", valueName: "file"))
        var exportHeads: String?

        @Option(help: ArgumentHelp("Compare with heads exported earlier: runs missing or changed since are reported.", valueName: "file"))
        var heads: String?

        @Option(help: "Output format.")
        var format: OutputFormat = .text

        @OptionGroup var store: StoreOptions

        func validate() throws {
            if runs.isEmpty && !all { throw ValidationError("name runs to check, or give --all") }
        }

        func run() async throws {
            let audit = ChainAudit(store: try store.openReadOnly(), registry: try HandlerSetup.registryOrExit())
            let exported: [String: ExportedHeads.Head]
            do {
                exported = try heads.map(ExportedHeads.read) ?? [:]
            } catch {
                Output.error(error.missing ? "error: cannot read \(error.path)" : "error: \(error.path) is not a heads file written by offboard verify --export-heads")
                throw error.missing ? ExitCodes.notFound : ExitCodes.badInput
            }
            let findings: [ChainAudit.Finding]
            do {
                findings = try await audit.check(all ? nil : runs, against: exported)
            } catch let missing as ChainAudit.NoSuchRun {
                Output.error("error: no run \(missing.id) in \(store.databasePath)")
                throw ExitCodes.notFound
            }
            if let exportHeads {
                try ExportedHeads.data(findings).write(to: URL(fileURLWithPath: exportHeads), options: .atomic)
            }
            switch format {
            case .json: Output.json(findings)
            case .text:
                for finding in findings {
                    Output.text(finding.intact ? "\(finding.run): intact, \(finding.entries) entries, head \(finding.head ?? "")"
                                         : "\(finding.run): BROKEN: \(finding.problem ?? "")")
                }
            }
            if findings.contains(where: { !$0.intact }) { throw ExitCodes.invalid }
        }
    }
}
