import ArgumentParser
import Foundation
import OffboardRuntime

extension Offboard {
    /// `offboard start`: records a new run for a worker to drive.
    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a leaver run and print its id; a worker drives it.",
            discussion: """
                The run pins the resolved playbook (document and SHA-256) and the leaver's inputs: \
                editing the YAML afterwards never changes it. With --key, starting again with the same \
                key prints the first run's id instead of starting another (safe to repeat).

                Examples:
                  offboard start standard-leaver --input Workflows/samples/jryan.json
                  offboard start standard-leaver --input jryan.json --key hr-ticket-4711

                Exit codes: 0 started (or found by --key); 1 invalid playbook; 65 bad record or input; \
                66 playbook or record not found; 69 the run database cannot be opened.
                """
        )

        @Argument(help: "A playbook name in the workflows directory, or a path to a playbook file.")
        var playbook: String

        @OptionGroup var leaver: LeaverInputOptions

        @Option(help: ArgumentHelp("Idempotency key: a start with a key used before returns the first run.", valueName: "key"))
        var key: String?

        @OptionGroup var actor: ActorOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var options: PlaybookOptions

        func run() async throws {
            let (playbook, _) = try options.loadOrExit(self.playbook)
            let inputs = try leaver.bind(to: playbook, now: CommandClock.current.now())
            let started = try await RunStarting(store: try store.openStore(), clock: CommandClock.current).start(playbook, inputs: inputs, key: key, by: actor.name)
            if !started.created { Output.error("note: key '\(key ?? "")' was used before; this is the run it started") }
            Output.text(started.id)
        }
    }
}
