import ArgumentParser
import OffboardRuntime

/// The `offboard` command line: validate, preview and run leaver playbooks, and inspect runs.
@main
struct Offboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offboard",
        abstract: "Employee-offboarding workflows: validate playbooks, preview exactly what a leaver run would do, and run it durably.",
        discussion: """
            Playbooks are YAML files, found by path or by name in the workflows directory \
            (--workflows, env OFFBOARD_WORKFLOWS, default ./Workflows).

            Examples:
              offboard validate Workflows/
              offboard plan standard-leaver --input Workflows/samples/jryan.json
              offboard graph immediate-leaver --format dot
              offboard run quickstart-leaver --input Workflows/samples/jryan.json
              offboard tasks --assignee facilities
              offboard evidence r-20261123-1f3a9c0e4b2d --format html --output evidence.html

            Runs are stored in one SQLite file: --db, env OFFBOARD_DB, else \
            $XDG_DATA_HOME/offboard/offboard.sqlite (~/.local/share/offboard/offboard.sqlite). \
            Secrets (${secret:NAME}) come from env OFFBOARD_SECRET_NAME, else the file NAME in \
            --secrets-dir (env OFFBOARD_SECRETS_DIR). Plugins: *.plugin.yaml manifests in the \
            directory env OFFBOARD_PLUGINS names. OFFBOARD_NOW (ISO 8601) moves the commands' clock, for \
            rehearsals; OFFBOARD_RETENTION is the default of purge --older-than and worker --retention; \
            OFFBOARD_CONNECT_TIMEOUT (seconds, default 5) bounds connecting to an HTTP or SCIM server.

            Exit codes: 0 success; 1 invalid playbook, a plan with problems, or a run that failed or \
            was cancelled; 3 a run is waiting (a worker continues it); 64 usage error; 65 invalid \
            leaver record, input or task evidence; 66 playbook, record or run not found; 69 the run database cannot be opened; \
            75 the run is held by another worker.
            """,
        version: OffboardVersion.line,
        subcommands: [Validate.self, Plan.self, Graph.self, Explain.self, Schema.self,
                      Start.self, Import.self, Run.self, Worker.self, Status.self, List.self, History.self, Cancel.self, Retry.self, Tasks.self, Complete.self, Approve.self, Reject.self, Reschedule.self, Reverse.self, Evidence.self, Verify.self, Purge.self, Token.self, Serve.self]
    )

    /// ArgumentParser's own main, with the run database closed (its WAL folded in) before the process exits.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
            StoreOpening.closeAll()
            exit()
        } catch {
            StoreOpening.closeAll()
            exit(withError: error)
        }
    }
}

/// Exit codes the commands use beyond 0 and ArgumentParser's 64 (usage).
enum ExitCodes {
    static let invalid = ExitCode(1)
    static let badInput = ExitCode(65)
    static let notFound = ExitCode(66)
    static let waiting = ExitCode(3)
    static let storeUnavailable = ExitCode(69)
    static let busy = ExitCode(75)
}
