import ArgumentParser
import Foundation
import Logging
import Playbook
import OffboardRuntime

extension Offboard {
    /// `offboard run`: start a run and drive it here.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a leaver run and drive it to the end, or to its first long wait.",
            discussion: """
                Shows progress as steps start and finish (a live display on a terminal, plain lines \
                otherwise). A run that must wait (a step's at: time, a wait step) is left for \
                `offboard worker`, which continues it when it is due.

                Examples:
                  offboard run standard-leaver --input Workflows/samples/jryan.json
                  offboard run quickstart-leaver --input Workflows/samples/jryan.json --db /tmp/demo.sqlite

                Exit codes: 0 succeeded; 1 failed or cancelled (or invalid playbook); 3 waiting for a \
                worker; 65 bad record or input; 66 not found; 69 the run database cannot be opened.
                """
        )

        @Argument(help: "A playbook name in the workflows directory, or a path to a playbook file.")
        var playbook: String

        @OptionGroup var leaver: LeaverInputOptions

        @Option(help: ArgumentHelp("Idempotency key: a start with a key used before continues the first run.", valueName: "key"))
        var key: String?

        @OptionGroup var actor: ActorOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var secrets: SecretOptions
        @OptionGroup var options: PlaybookOptions

        func run() async throws {
            // The progress display shows every step; only problems are logged besides it.
            Logs.bootstrap(level: .warning)
            let (playbook, _) = try options.loadOrExit(self.playbook)
            let inputs = try leaver.bind(to: playbook, now: CommandClock.current.now())
            let database = try store.openStore()
            let started = try await RunStarting(store: database, clock: CommandClock.current).start(playbook, inputs: inputs, key: key, by: actor.name)
            let progress = ProgressDisplay.make(runID: started.id, playbook: playbook)
            progress.begin()
            let worker = ProcessAssembly(store: database, registry: try HandlerSetup.registryOrExit(), secrets: secrets.resolver, clock: CommandClock.current)
                .worker(observer: progress)
            let state = try await worker.drive(runID: started.id)
            progress.end()
            Output.text(started.id)
            guard let state else {
                Output.error("run \(started.id) is held by another worker")
                throw ExitCodes.busy
            }
            let summary = try await database.summary(of: started.id)
            switch state {
            case .succeeded:
                Output.error("run \(started.id) succeeded")
            case .waiting, .running, .pending:
                let wake = summary?.wakeAt.map { $0 >= .distantFuture ? "" : " until \(DateText.iso8601($0))" } ?? ""
                Output.error("run \(started.id) is waiting\(wake); `offboard worker` continues it, `offboard tasks` lists what people are asked to do")
                throw ExitCodes.waiting
            case .failed, .cancelled, .reversed:
                Output.error("run \(started.id) \(state.rawValue); see `offboard status \(started.id)`")
                throw ExitCodes.invalid
            }
        }
    }
}
