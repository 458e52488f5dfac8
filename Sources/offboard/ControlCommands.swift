import ArgumentParser
import Foundation
import Playbook
import OffboardRuntime

extension Offboard {
    /// `offboard cancel`: stop a run cleanly.
    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a run: nothing new starts, running steps are told to stop.",
            discussion: """
                The request is journaled with who made it and why. If a worker holds the run it \
                carries the request out within a second; otherwise this command does.

                Example:
                  offboard cancel r-20261123-1f3a9c0e4b2d --reason "resignation withdrawn"

                Exit codes: 0 cancelled or requested; 1 the run had already finished; 64 a --reason that \
                is blank or over 2,000 characters; 66 no such run.
                """
        )

        @Argument(help: "The run id.")
        var run: String

        @Option(help: "Why the run is cancelled (recorded).")
        var reason: String

        @OptionGroup var actor: ActorOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var secrets: SecretOptions

        func validate() throws { try CommandInput.checkReason(reason) }

        func run() async throws {
            try await request(.cancel, run: run, step: nil, reason: RequestReason.checked(reason).get(), actor: actor, store: store, secrets: secrets)
        }
    }

    /// `offboard retry`: redrive a failed run.
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Redrive a failed run from its failed steps, keeping what succeeded.",
            discussion: """
                Failed steps (or only STEP) and the steps cancelled because of them run again, with \
                the same idempotency keys; steps that succeeded are not repeated.

                Examples:
                  offboard retry r-20261123-1f3a9c0e4b2d
                  offboard retry r-20261123-1f3a9c0e4b2d revoke-crm-database

                Exit codes: 0 the redriven run succeeded; 1 it failed again, the run is not failed, or STEP \
                did not fail; 3 it is waiting (a timer, a retry later, a task for a person), and a worker \
                continues it; 66 no such run.
                """
        )

        @Argument(help: "The run id.")
        var run: String

        @Argument(help: "Only this failed step (and what was cancelled because of it).")
        var step: String?

        @OptionGroup var actor: ActorOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var secrets: SecretOptions

        func run() async throws {
            try await request(.redrive, run: run, step: step, reason: nil, actor: actor, store: store, secrets: secrets)
        }
    }
}

/// Submits a cancel or redrive (`Worker.submit` checks it against the run first).
private func request(_ kind: RunRequest.Kind, run: String, step: String?, reason: String?, actor: ActorOption, store: StoreOptions,
                     secrets: SecretOptions) async throws {
    let clock = CommandClock.current
    let submission = RequestSubmission(database: try store.openStore(), secrets: secrets, clock: clock)
    let state = try await submission.submit(RunRequest(runID: run, kind: kind, step: step, reason: reason, requestedBy: actor.name, requestedAt: clock.now()))
    Output.error("run \(run) is \(state.rawValue)")
    // A redrive ends like `run`: the exit code says how the run stands now.
    if kind == .redrive {
        switch state {
        case .succeeded: return
        case .failed, .cancelled, .reversed: throw ExitCodes.invalid
        case .pending, .running, .waiting: throw ExitCodes.waiting
        }
    }
}
