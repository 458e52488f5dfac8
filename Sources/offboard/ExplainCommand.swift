import ArgumentParser
import Playbook

extension Offboard {
    /// `offboard explain`: where each resolved step came from.
    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each step of the resolved playbook with the file and line it came from.",
            discussion: """
                For a playbook that extends a base or includes fragments, lists every step after \
                resolution with where it was defined, which include brought it in, and each override.

                Examples:
                  offboard explain acme-leaver
                  offboard explain Workflows/acme-leaver.yaml --format json

                Exit codes: 0 shown; 1 invalid playbook; 66 playbook not found.
                """
        )

        @Argument(help: "A playbook name in the workflows directory, or a path to a playbook file.")
        var playbook: String

        @Option(help: "Output format.")
        var format: OutputFormat = .text

        @OptionGroup var options: PlaybookOptions

        func run() async throws {
            let (playbook, result) = try options.loadOrExit(self.playbook)
            switch format {
            case .text: Output.text(PlaybookExplanation.render(playbook, files: result.files), terminator: "")
            case .json: Output.json(PlaybookExplanation.json(playbook, files: result.files))
            }
        }
    }
}
