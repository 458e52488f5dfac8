import Foundation
import Playbook

/// Makes the dry-run `Plan` of a playbook for one leaver: evaluates conditions, fans out,
/// computes timing relative to the leave time, renders parameters and asks each handler what it
/// would do. It reads the clock only through `now`.
public struct Planner: Sendable {
    public var registry: HandlerRegistry

    public init(registry: HandlerRegistry) { self.registry = registry }

    public func plan(_ playbook: Playbook, inputs: BoundInputs, now: Date) async -> Plan {
        var builder = PlanBuilder(playbook: playbook, inputs: inputs, now: now)
        let order = NeedsGraph(steps: playbook.steps).topologicalOrder() ?? playbook.steps.map(\.id)
        let fallbacks = playbook.fallbackStepIDs
        for id in order {
            guard let step = playbook.step(id) else { continue }
            let planned = builder.plan(step, isFallback: fallbacks.contains(id))
            for var entry in planned {
                if let request = entry.request, let handler = registry.handler(for: step.uses) {
                    do {
                        entry.step.action = try await handler.plan(request)
                    } catch {
                        entry.step.action = ActionPreview("could not prepare a preview: \(error)")
                    }
                }
                builder.steps.append(entry.step)
            }
        }
        return builder.finish()
    }
}
