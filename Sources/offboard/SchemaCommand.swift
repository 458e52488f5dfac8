import ArgumentParser
import OffboardRuntime
import Playbook

extension Offboard {
    /// `offboard schema`: prints the JSON Schema of the playbook format.
    struct Schema: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the JSON Schema of the playbook format, for editor completion.",
            discussion: """
                The repository publishes the same schema as schema/playbook.schema.json. Point an editor's \
                YAML support at it, for example with a first line in the playbook:
                  # yaml-language-server: $schema=../schema/playbook.schema.json

                Example:
                  offboard schema > schema/playbook.schema.json
                """
        )

        func run() async throws {
            print(PlaybookJSONSchema.generate(catalog: try HandlerSetup.registryOrExit()).prettyText())
        }
    }
}
