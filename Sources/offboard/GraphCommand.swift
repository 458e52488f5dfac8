import ArgumentParser
import Playbook

extension PlaybookGraph.Format: ExpressibleByArgument {}

extension Offboard {
    /// `offboard graph`: draws a playbook.
    struct Graph: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw a playbook's steps and their needs as Mermaid or Graphviz DOT.",
            discussion: """
                Steps that run only on another step's failure are drawn as hexagons, joined by a dashed edge.

                Examples:
                  offboard graph standard-leaver > standard-leaver.mmd
                  offboard graph standard-leaver --format dot | dot -Tsvg > standard-leaver.svg

                Exit codes: 0 drawn; 1 invalid playbook; 66 playbook not found.
                """
        )

        @Argument(help: "A playbook name in the workflows directory, or a path to a playbook file.")
        var playbook: String

        @Option(help: "Output language: mermaid or dot.")
        var format: PlaybookGraph.Format = .mermaid

        @OptionGroup var options: PlaybookOptions

        func run() async throws {
            let (playbook, _) = try options.loadOrExit(self.playbook)
            print(PlaybookGraph.render(playbook, as: format), terminator: "")
        }
    }
}
