import Engine
import Foundation
import Logging
import Playbook
import PostgresNIO

extension PostgresRevokeHandler {
    /// What a live dry run reads from the catalogue, read-only: one line per change the step would make.
    func inspect(_ request: HandlerPlanRequest, secrets: any SecretResolver) async -> [String] {
        if request.dependsOnRunTimeValues {
            return ["now: not inspected; some parameters are only known when the run executes"]
        }
        let context = request.inspectionContext(secrets: secrets, logger: Logger(label: "offboard.plan"))
        do {
            let parameters = try PostgresRevokeParameters(context)
            let target = try PostgresTarget.named(by: parameters.connection)
            // A connection of its own, outside the steps' pool: a preview never waits behind a burst of revocations.
            let connection = try await target.connect(logger: context.logger)
            defer { Task { try? await connection.close() } }
            guard let state = try await PostgresRoleCatalog.state(of: parameters.role, on: connection, logger: context.logger) else {
                return ["now: role \(parameters.role) does not exist on \(target.label): "
                        + (parameters.succeedIfMissing ? "nothing to do" : "the step would fail (if_missing: fail)")]
            }
            var lines = ["now: role \(state.name) on \(target.label): " + (state.canLogin ? "can log in → cannot" : "already cannot log in")]
            let revocable = parameters.revocable(in: state)
            lines.append(revocable.isEmpty ? "now: no membership to revoke" : "now: membership in \(revocable.joined(separator: ", ")) would be revoked")
            if parameters.terminateSessions {
                lines.append(state.sessions == 0 ? "now: no open session" : "now: \(state.sessions) open session(s) would be ended")
            }
            return lines
        } catch {
            return ["now: could not inspect the target: \(PostgresTarget.failure(error, doing: "read the catalogue").message)"]
        }
    }
}
