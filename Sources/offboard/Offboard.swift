import ArgumentParser

/// The `offboard` command line: validate, preview and draw leaver playbooks.
@main
struct Offboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offboard",
        abstract: "Employee-offboarding workflows: validate playbooks and preview exactly what a leaver run would do.",
        discussion: """
            Playbooks are YAML files, found by path or by name in the workflows directory \
            (--workflows, env OFFBOARD_WORKFLOWS, default ./Workflows).

            Examples:
              offboard validate Workflows/
              offboard plan standard-leaver --input Workflows/samples/jryan.json
              offboard graph immediate-leaver --format dot

            Exit codes: 0 success; 1 invalid playbook or a plan with problems; 64 usage error; \
            65 invalid leaver record or input; 66 playbook or record not found.
            """,
        subcommands: [Validate.self, Plan.self, Graph.self, Explain.self, Schema.self]
    )
}

/// Exit codes the commands use beyond 0 and ArgumentParser's 64 (usage).
enum ExitCodes {
    static let invalid = ExitCode(1)
    static let badInput = ExitCode(65)
    static let notFound = ExitCode(66)
}
