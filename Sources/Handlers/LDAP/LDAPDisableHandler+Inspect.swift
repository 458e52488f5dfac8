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
                let memberships = try await step.groups.find(on: connection, dn: entry.dn, uids: entry.values("uid"), flavour: flavour)
                if step.groups.scope == .listed([]) {
                    lines.append("now: \(step.groups.lookedAt)")
                } else if memberships.isEmpty {
                    lines.append("now: in none of the groups \(step.groups.lookedAt)")
                } else {
                    lines.append("now: member of \(memberships.count) group(s) \(step.groups.lookedAt):")
                    for membership in memberships {
                        // A group whose class requires a member, and of which the leaver is the only one, will be kept.
                        let group = membership.requiredByClass ? try? await connection.read(membership.group, attributes: [membership.attribute]) : nil
                        let sole = group.map { $0.values(membership.attribute).count == 1 } ?? false
                        lines.append("now: \(membership.group) (\(membership.attribute)) → " + (sole ? "kept: the leaver is its only member" : "removed"))
                    }
                }
                if let moveTo = step.moveTo {
                    lines.append(LDAPDisableStep.isChild(entry.dn, of: moveTo) ? "now: already in \(moveTo)" : "now: \(entry.dn) → moved to \(moveTo)")
                }
                return lines
            }
        } catch {
            return ["now: could not inspect the directory: \((error as? HandlerFailure)?.message ?? "\(Swift.type(of: error))")"]
        }
    }
}
