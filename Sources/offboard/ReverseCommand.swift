import ArgumentParser
import Engine
import Foundation
import OffboardRuntime
import Handlers
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
                a person, a retry); `offboard worker` continues it; 66 no such run.
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
            if !dryRun, reason?.trimmingCharacters(in: .whitespaces).isEmpty ?? true { throw ValidationError("reverse needs --reason (the record says why), unless --dry-run") }
        }

        func run() async throws {
            let clock = CommandClock.current
            let database = try store.openStore()
            let stored = try await store.loadRun(run, from: database)
            if stored.summary.state == .reversed {
                Output.error("error: run \(run) has already been reversed")
                throw ExitCodes.invalid
            }
            let registry = try HandlerSetup.registryOrExit()
            let core = try RunCore.replaying(stored, playbook: try await PinnedPlaybooks(catalog: registry).playbook(for: stored))
            let planned = core.plannedCompensations(at: clock.now())
            Output.text("Reversal of run \(run) (\(stored.summary.playbookName) v\(stored.summary.playbookVersion), \(stored.summary.state.rawValue)), newest first:")
            for (index, compensation) in planned.enumerated() {
                var line = "  \(index + 1). undo \(compensation.undoes)  (\(compensation.uses))"
                if let problem = compensation.problem {
                    line += ": cannot be prepared: \(problem)"
                } else if let handler = registry.handler(for: compensation.uses) {
                    let request = HandlerPlanRequest(stepID: RunCore.undoPrefix + compensation.undoes.step, item: compensation.undoes.item,
                                                     parameters: compensation.parameters, now: clock.now())
                    if let preview = try? await handler.plan(request) { line += ": \(preview.summary)" }
                }
                Output.text(line)
            }
            if planned.isEmpty { Output.text("  nothing: no step that succeeded declares compensate:") }
            let permanent = core.reversalCandidates().permanent
            if !permanent.isEmpty { Output.text("Stays done (no compensate:): \(permanent.joined(separator: ", "))") }
            if dryRun { return }
            let submission = RequestSubmission(database: database, secrets: secrets, clock: clock)
            let state = try await submission.submit(RunRequest(runID: run, kind: .reverse, reason: reason, requestedBy: actor.name,
                                                               requestedAt: clock.now()))
            Output.error("run \(run) is \(state.rawValue)")
            if state != .reversed { throw state == .failed ? ExitCodes.invalid : ExitCodes.waiting }
        }
    }
}
