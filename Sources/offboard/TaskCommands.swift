import ArgumentParser
import OffboardRuntime
import Foundation
import Playbook

/// Which task of a run: the step, and the fan-out item for a `for_each` step.
struct TaskTarget: ParsableArguments {
    @Argument(help: "The run id.")
    var run: String

    @Argument(help: "The task's step id.")
    var step: String

    @Option(help: ArgumentHelp("The fan-out item, for a step with for_each (as `offboard tasks` shows it).", valueName: "item"))
    var item: String?
}

/// Who acts on a task: required, and recorded in the journal and the evidence pack.
struct PersonOption: ParsableArguments {
    @Option(help: ArgumentHelp("Who is acting (recorded in the journal and the evidence pack).", valueName: "name"))
    var by: String
}

extension Offboard {
    /// `offboard complete`: finish a task with its evidence.
    struct Complete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Complete a task with the evidence it asks for.",
            discussion: """
                Every evidence field is checked against the task's types (text, date YYYY-MM-DD, \
                one of a list, true/false, number); missing or ill-typed evidence is refused with \
                every problem at once and nothing is recorded. Completing a task twice is refused. \
                A task that needs approvals then waits for them (offboard approve).

                Example:
                  offboard complete r-20261123-1f3a9c0e4b2d reclaim-devices --item LT-0042 \\
                    --by "sam.it" --evidence asset_tag=LT-0042 --evidence condition=good

                Exit codes: 0 completed; 1 refused (not open, already completed); 64 an --evidence word \
                that is not name=value, or a name given twice; 65 missing or ill-typed evidence; 66 no such run.
                """
        )

        @OptionGroup var target: TaskTarget
        @OptionGroup var person: PersonOption

        @Option(name: .customLong("evidence"), help: ArgumentHelp("One evidence field (repeatable).", valueName: "name=value"))
        var evidence: [String] = []

        @OptionGroup var store: StoreOptions
        @OptionGroup var secrets: SecretOptions

        func validate() throws { _ = try CommandInput.pairs(evidence, option: "--evidence") }

        func run() async throws {
            let fields = Dictionary(try CommandInput.pairs(evidence, option: "--evidence"), uniquingKeysWith: { first, _ in first })
            try await act(.complete, target: target, by: person.by, reason: nil, fields: fields, store: store, secrets: secrets, done: "completed")
        }
    }

    /// `offboard approve`: sign a completed task off.
    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a completed task (one of the approvals it needs).",
            discussion: """
                Only a named approver may approve, once; the leaver the run is about and the person \
                who completed the task may not. With enough approvals the step succeeds and the run \
                goes on.

                Example:
                  offboard approve r-20261123-1f3a9c0e4b2d destroy-hard-copies --by dpo

                Exit codes: 0 approved; 1 refused; 66 no such run.
                """
        )

        @OptionGroup var target: TaskTarget
        @OptionGroup var person: PersonOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var secrets: SecretOptions

        func run() async throws {
            try await act(.approve, target: target, by: person.by, reason: nil, fields: [:], store: store, secrets: secrets, done: "approved")
        }
    }

    /// `offboard reject`: refuse a task (or decline an open one).
    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reject a completed task, or decline an open one, with a reason.",
            discussion: """
                The step fails (it is not retried) and the run follows the step's on_failure \
                (abort by default). A completed task is rejected by one of its approvers; an open \
                one may be declined by the person asked to do it.

                Example:
                  offboard reject r-20261123-1f3a9c0e4b2d destroy-hard-copies --by dpo \\
                    --reason "certificate names another customer"

                Exit codes: 0 rejected; 1 refused; 64 a --reason that is blank or over 2,000 characters; \
                66 no such run.
                """
        )

        @OptionGroup var target: TaskTarget
        @OptionGroup var person: PersonOption

        @Option(help: "Why (recorded).")
        var reason: String

        @OptionGroup var store: StoreOptions
        @OptionGroup var secrets: SecretOptions

        func validate() throws { try CommandInput.checkReason(reason) }

        func run() async throws {
            try await act(.reject, target: target, by: person.by, reason: try RequestReason.checked(reason).get(), fields: [:], store: store, secrets: secrets, done: "rejected")
        }
    }
}

/// Submits a person's action on a task and says what became of the run.
private func act(_ kind: RunRequest.Kind, target: TaskTarget, by: String, reason: String?, fields: [String: String], store: StoreOptions,
                 secrets: SecretOptions, done: String) async throws {
    let clock = CommandClock.current
    let submission = RequestSubmission(database: try store.openStore(), secrets: secrets, clock: clock)
    let request = RunRequest(runID: target.run, kind: kind, step: target.step, item: target.item, reason: reason, fields: fields,
                             requestedBy: by, requestedAt: clock.now())
    let state = try await submission.submit(request)
    let task = InstanceKey(step: target.step, item: target.item)
    Output.error("task \(task) \(done) by \(by); run \(target.run) is \(state.rawValue)")
}
