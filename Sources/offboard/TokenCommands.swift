import ArgumentParser
import Foundation
import OffboardRuntime
import Playbook

extension Offboard {
    /// `offboard token`: the server's API tokens.
    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create, list and revoke the API tokens `offboard serve` accepts.",
            discussion: """
                A token is shown once, when it is created; the database keeps only its SHA-256. Roles: \
                hr (start, plan, cancel, reschedule, import), operator (everything operational), \
                task:<assignee> (that assignee's tasks only), auditor (evidence, history, verify), admin (tokens).

                Examples:
                  offboard token create --role hr --name bamboohr-sync
                  offboard token create --role task:it --name it-service-desk
                  offboard token list
                  offboard token revoke it-service-desk
                """,
            subcommands: [Create.self, List.self, Revoke.self]
        )

        /// `offboard token create`.
        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create a token and print it once.",
                discussion: "Exit codes: 0 created; 1 the name is taken; 64 bad role or name; 69 the run database cannot be opened.")

            @Option(help: ArgumentHelp("One of: \(APIRole.names.joined(separator: ", ")).", valueName: "role"))
            var role: String

            @Option(help: ArgumentHelp("A unique name (recorded as the actor of every change made with it).", valueName: "name"))
            var name: String

            @Option(help: "Output format.")
            var format: OutputFormat = .text

            @OptionGroup var actor: ActorOption
            @OptionGroup var store: StoreOptions

            func validate() throws {
                if APIRole(role) == nil { throw ValidationError("--role must be one of \(APIRole.names.joined(separator: ", ")), not '\(role)'") }
            }

            func run() async throws {
                let issuer = TokenIssuer(store: try store.openServiceStore())
                let secret: String
                do {
                    secret = try await issuer.create(name: name, role: APIRole(role)!, by: actor.name, at: CommandClock.current.now())
                } catch let refusal as TokenIssuer.Refusal {
                    Output.error("error: \(refusal)")
                    if case .nameTaken = refusal { throw ExitCodes.invalid }
                    throw ExitCode.validationFailure
                }
                switch format {
                case .json: Output.json(["name": name, "role": role, "token": secret])
                case .text:
                    Output.text(secret)
                    Output.error("token \(name) (\(role)) created; it is shown only now: store it where the caller keeps secrets")
                }
            }
        }

        /// `offboard token list`.
        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List tokens (names and roles; never the tokens).",
                                                            discussion: "Exit codes: 0 listed; 69 the run database cannot be opened.")

            @Option(help: "Output format.")
            var format: OutputFormat = .text

            @OptionGroup var store: StoreOptions

            func run() async throws {
                let tokens = try await store.openServiceStore().listTokens()
                switch format {
                case .json: Output.json(tokens)
                case .text:
                    if tokens.isEmpty { Output.error("no tokens; create one with offboard token create --role … --name …") }
                    for token in tokens {
                        let state = token.revokedAt.map { "revoked \(DateText.iso8601($0))" + (token.revokedBy.map { " by \($0)" } ?? "") } ?? "active"
                        Output.text("\(token.name)  \(token.role)  created \(DateText.iso8601(token.createdAt)) by \(token.createdBy)  \(state)")
                    }
                }
            }
        }

        /// `offboard token revoke`.
        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a token: it is refused from the next request on.",
                                                            discussion: "Exit codes: 0 revoked; 66 no such active token; 69 the run database cannot be opened.")

            @Argument(help: "The token's name.")
            var name: String

            @OptionGroup var actor: ActorOption
            @OptionGroup var store: StoreOptions

            func run() async throws {
                guard try await store.openServiceStore().revokeToken(named: name, at: CommandClock.current.now(), by: actor.name) else {
                    Output.error("error: no active token named \(name)")
                    throw ExitCodes.notFound
                }
                Output.error("token \(name) revoked")
            }
        }
    }
}
