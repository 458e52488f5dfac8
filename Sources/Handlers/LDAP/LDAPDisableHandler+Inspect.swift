import Engine
import Foundation
import LDAPClient
import Logging
import Playbook

extension LDAPDisableHandler {
    /// What a live dry run reads from the directory (searches only): the entry, its state, its groups.
    func inspect(_ request: HandlerPlanRequest, secrets: any SecretResolver) async -> [String] {
        if request.dependsOnRunTimeValues {
            return ["now: not inspected; some parameters are only known when the run executes"]
        }
        let context = request.inspectionContext(secrets: secrets, logger: Logger(label: "offboard.plan"))
        do {
            let step = try LDAPDisableStep(context)
            let flavour = step.target.flavour
            return try await step.withConnection { connection in
                guard let entry = try await step.find(on: connection) else { return ["now: no entry with \(step.lookup.description): nothing to do"] }
                let state = flavour.state(of: entry)
                var lines = ["now: \(entry.dn): " + (state.isDisabled ? "already disabled (\(state.detail))" : "enabled (\(state.detail)) → disabled")]
                let memberships = try await step.groups.find(on: connection, dn: entry.dn, uid: entry.value("uid"), flavour: flavour)
                lines.append(memberships.isEmpty ? "now: in none of the groups it would be removed from"
                    : "now: member of \(memberships.count) group(s) → removed: " + memberships.prefix(10).map(\.group).joined(separator: "; ")
                        + (memberships.count > 10 ? "; …" : ""))
                if let moveTo = step.moveTo { lines.append("now: would move to \(moveTo)") }
                return lines
            }
        } catch {
            return ["now: could not inspect the directory: \((error as? HandlerFailure)?.message ?? "\(Swift.type(of: error))")"]
        }
    }
}
