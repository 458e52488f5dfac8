import ArgumentParser
import Foundation
import OffboardRuntime
import Playbook

extension Offboard {
    /// `offboard plan`: the dry run.
    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Preview what a leaver run would do, to whom and when, without doing anything.",
            discussion: """
                Shows the steps that would run in order, when each starts (in the leaver's time zone, UTC, \
                and relative to the leave time), the rendered parameters with secrets masked as \
                ${secret:NAME}, what each handler would do, fan-out items, and skipped steps with reasons.

                Examples:
                  offboard plan standard-leaver --input Workflows/samples/jryan.json
                  offboard plan standard-leaver --input jryan.json --set immediate=true
                  offboard plan immediate-leaver --input mholt.json --format json
                  offboard plan base --input jryan.json --now 2026-12-04T09:00:00Z
                  offboard plan immediate-leaver --input mholt.json --live --secrets-dir /etc/offboard/secrets

                With --live, handlers that can (postgres.revoke, scim.deactivate) read their real \
                targets, read-only, and add what would change ("role jryan: can log in → cannot; 2 open \
                session(s) would be ended"). Secret values never appear in the plan.

                Exit codes: 0 plan made; 1 invalid playbook, or a step would fail; 65 bad leaver record, \
                input or --now; 66 playbook or record not found.
                """
        )

        @Argument(help: "A playbook name in the workflows directory, or a path to a playbook file.")
        var playbook: String

        @OptionGroup var leaver: LeaverInputOptions

        @Option(help: ArgumentHelp("Plan as of this moment instead of the current time (ISO 8601 with offset).", valueName: "iso8601"))
        var now: String?

        @Option(help: "Output format.")
        var format: OutputFormat = .text

        @Flag(help: ArgumentHelp("Look at the real targets, read-only, and say what would change (needs the secrets).",
                                 discussion: "Without it, nothing is contacted and no secret is read."))
        var live = false

        @OptionGroup var options: PlaybookOptions
        @OptionGroup var secrets: SecretOptions

        func run() async throws {
            let (playbook, _) = try options.loadOrExit(self.playbook)
            var moment = CommandClock.current.now()
            if let now {
                guard let parsed = DateText.parseDateTime(now, defaultTimeZone: nil) else {
                    Output.error("error: --now '\(now)' is not an ISO 8601 date-time with an offset, such as 2026-12-04T09:00:00Z")
                    throw ExitCodes.badInput
                }
                moment = parsed
            }
            let inputs = try leaver.bind(to: playbook, now: moment)
            let plan = await RunStarting.plan(playbook, inputs: inputs, now: moment, registry: try HandlerSetup.registryOrExit(),
                                              liveSecrets: live ? secrets.resolver : nil)
            switch format {
            case .json: Output.json(plan)
            case .text: Output.text(PlanTextRenderer.render(plan), terminator: "")
            }
            Output.printDiagnostics(plan.problems)
            if !plan.problems.isEmpty { throw ExitCodes.invalid }
        }
    }
}
