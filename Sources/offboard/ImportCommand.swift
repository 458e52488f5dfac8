import ArgumentParser
import Foundation
import OffboardRuntime
import Playbook

extension Offboard {
    /// `offboard import`: a bulk file of leavers.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a run for every leaver in a CSV or JSON Lines file, after checking every row.",
            discussion: """
                CSV has a header row of input names; an empty cell is a missing value, a cell holding JSON \
                ([…] or {…}) is that value. JSON Lines has one leaver object per line. Every row is bound to \
                the playbook's inputs before anything starts: if any row has a problem, each is printed as \
                FILE:ROW:COLUMN: error: … (ROW counts CSV records, the header being row 1, or JSON Lines \
                lines) and nothing starts. Rows start idempotently: importing the same file again starts \
                nothing new. With --dry-run each row's plan is shown instead.

                Examples:
                  offboard import leavers.csv --playbook standard-leaver --dry-run
                  offboard import leavers.jsonl --playbook standard-leaver --by hr:amy

                Exit codes: 0 every row started (or was started before) or planned; 1 invalid playbook; 64 the \
                file's format is not known (name it with --type); 65 a row or the file has a problem (nothing \
                started); 66 file or playbook not found; 69 the run database cannot be opened.
                """
        )

        @Argument(help: "The file: .csv, .jsonl or .ndjson.")
        var file: String

        @Option(help: "The playbook every row starts: a name in the workflows directory, or a path.")
        var playbook: String

        @Option(help: ArgumentHelp("The file's format, when its name does not say (csv, jsonl).", valueName: "format"))
        var type: String?

        @Flag(help: "Check every row and show its plan; start nothing.")
        var dryRun = false

        @Option(help: "Output format.")
        var format: OutputFormat = .text

        @OptionGroup var actor: ActorOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var options: PlaybookOptions

        func run() async throws {
            guard let kind = LeaverImport.Format(name: type.map { ".\($0)" } ?? file) else {
                Output.error("error: \(file): name the format with --type csv or --type jsonl")
                throw ExitCode.validationFailure
            }
            guard let data = FileManager.default.contents(atPath: file) else {
                Output.error("error: cannot read \(file)")
                throw ExitCodes.notFound
            }
            let (playbook, _) = try options.loadOrExit(self.playbook)
            // A dry run starts nothing, so it needs no database.
            let database: (any RunStore)? = dryRun ? nil : try store.openStore()
            let report = try await LeaverImport(store: database, registry: try HandlerSetup.registryOrExit(), clock: CommandClock.current)
                .run(Array(data), format: kind, file: file, playbook: playbook, by: actor.name, dryRun: dryRun, concealingValues: false)
            switch format {
            case .json: Output.json(report)
            case .text: Self.print(report, file: file)
            }
            if !report.valid { throw ExitCodes.badInput }
        }

        static func print(_ report: LeaverImport.Report, file: String) {
            for problem in report.fileProblems {
                Output.error("\(file)\(problem.line.map { ":\($0)" } ?? ""): error: \(problem.message)")
            }
            for row in report.rows {
                for problem in row.problems {
                    let place = problem.line.map { ":\($0)\(problem.column.map { ":\($0)" } ?? "")" } ?? ":\(row.row)"
                    Output.error("\(file)\(place): \(problem.severity): \(problem.field.map { "\($0): " } ?? "")\(problem.message)")
                }
                switch row.outcome {
                case "started": Output.text("row \(row.row): started \(row.run ?? "")")
                case "existing": Output.text("row \(row.row): imported before; run \(row.run ?? "")")
                case "planned": if let plan = row.plan { Output.text("row \(row.row):\n" + PlanTextRenderer.render(plan), terminator: "") }
                default: break
                }
            }
            let started = report.rows.filter { $0.outcome == "started" }.count, existing = report.rows.filter { $0.outcome == "existing" }.count
            if !report.valid {
                Output.error("\(report.rows.filter { $0.outcome == "invalid" }.count) of \(report.rows.count) row(s) have problems; nothing was started")
            } else if report.dryRun {
                Output.error("\(report.rows.count) row(s) checked and planned; nothing was started (--dry-run)")
            } else {
                Output.error("\(report.rows.count) row(s): \(started) started, \(existing) imported before")
            }
        }
    }
}
