import ArgumentParser
import Foundation
import OffboardRuntime
import Playbook

extension Offboard {
    /// `offboard reverse`: undo a finished run (a rehire, a withdrawn resignation).
    struct Reverse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Undo a finished run: run the compensate: of every step that succeeded, newest first.",
            discussion: """
                Only the steps the journal shows succeeded are undone, each by its `compensate:` \
                (handler and parameters), one after another, newest first; steps without one stay \
                done and are listed. The plan is always shown first; --dry-run stops there. The run \
                ends `reversed`, or `failed` if a compensation fails (then `offboard retry` runs the \
                failed compensation again). A run still in progress must be cancelled first.

                Examples:
                  offboard reverse r-20261123-1f3a9c0e4b2d --dry-run
                  offboard reverse r-20261123-1f3a9c0e4b2d --reason "resignation withdrawn" --by hr:amy

                Exit codes: 0 reversed (or planned, with --dry-run); 1 refused (not finished, already \
                reversed, nothing to undo) or a compensation failed; 3 a compensation waits (a task for \
                a person, a retry); `offboard worker` continues it; 64 no --reason (without --dry-run), or \
                one that is blank or over 2,000 characters; 66 no such run.
                """
        )

        @Argument(help: "The run id.")
        var run: String

        @Option(help: "Why the run is reversed (recorded; not needed with --dry-run).")
        var reason: String?

        @Flag(help: "Show what would be undone, and stop.")
        var dryRun = false

        @OptionGroup var actor: ActorOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var secrets: SecretOptions

        func validate() throws {
            if !dryRun, reason == nil { throw ValidationError("reverse needs --reason (the record says why), unless --dry-run") }
            if reason != nil { try CommandInput.checkReason(reason) }
        }

        func run() async throws {
            let clock = CommandClock.current
            let database = try store.openStore()
            let stored = try await store.loadRun(run, from: database)
            if stored.summary.state == .reversed {
                Output.error("error: run \(run) has already been reversed")
                throw ExitCodes.invalid
            }
            let preview = try await ReversalPreview.make(stored, registry: try HandlerSetup.registryOrExit(), now: clock.now())
            Output.text("Reversal of run \(run) (\(preview.playbook) v\(preview.playbookVersion), \(preview.state.rawValue)), newest first:")
            for (index, undo) in preview.undo.enumerated() {
                var line = "  \(index + 1). undo \(undo.undoes)  (\(undo.uses))"
                if let problem = undo.problem {
                    line += ": cannot be prepared: \(problem)"
                } else if let summary = undo.summary {
                    line += ": \(summary)"
                }
                Output.text(line)
            }
            if preview.undo.isEmpty { Output.text("  nothing: no step that succeeded declares compensate:") }
            if !preview.staysDone.isEmpty { Output.text("Stays done (no compensate:): \(preview.staysDone.joined(separator: ", "))") }
            if dryRun { return }
            let submission = RequestSubmission(database: database, secrets: secrets, clock: clock)
            let state = try await submission.submit(RunRequest(runID: run, kind: .reverse, reason: try RequestReason.checked(reason).get(), requestedBy: actor.name,
                                                               requestedAt: clock.now()))
            Output.error("run \(run) is \(state.rawValue)")
            if state != .reversed { throw state == .failed ? ExitCodes.invalid : ExitCodes.waiting }
        }
    }
}
