import Foundation
import Playbook

/// Makes the dry-run `Plan` of a playbook for one leaver: evaluates conditions, fans out,
/// computes timing relative to the leave time, renders parameters and asks each handler what it
/// would do. It reads the clock only through `now`.
public struct Planner: Sendable {
    public var registry: HandlerRegistry
    /// For a live dry run: handlers look at their real targets (read-only) with these secrets;
    /// whatever they reveal is scrubbed from the plan.
    public var liveSecrets: (any SecretResolver)?

    public init(registry: HandlerRegistry, liveSecrets: (any SecretResolver)? = nil) {
        self.registry = registry
        self.liveSecrets = liveSecrets
    }

    public func plan(_ playbook: Playbook, inputs: BoundInputs, now: Date) async -> Plan {
        var builder = PlanBuilder(playbook: playbook, inputs: inputs, now: now)
        let order = NeedsGraph(steps: playbook.steps).topologicalOrder() ?? playbook.steps.map(\.id)
        let fallbacks = playbook.fallbackStepIDs
        for id in order {
            guard let step = playbook.step(id) else { continue }
            let planned = builder.plan(step, isFallback: fallbacks.contains(id))
            for var entry in planned {
                if var request = entry.request, let handler = registry.handler(for: step.uses) {
                    let revealed = liveSecrets.map(RevealedSecrets.init)
                    request.liveSecrets = revealed
                    var action: ActionPreview
                    do {
                        action = try await handler.plan(request)
                    } catch {
                        action = ActionPreview("could not prepare a preview: \(error)")
                    }
                    if let revealed {
                        action = ActionPreview(revealed.redact(action.summary), details: action.details.map(revealed.redact))
                    }
                    entry.step.action = action
                }
                builder.steps.append(entry.step)
            }
        }
        return builder.finish()
    }
}
