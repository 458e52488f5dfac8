import Foundation
import Playbook

/// Renders a `Plan` for a person at a terminal. Every value from outside (inputs, rendered parameters, what a handler
/// says it would do, reasons) is escaped as it is placed (`SafeText.terminal`): a line break in an employee id is
/// shown as `\n`, so no value can forge a line of the plan.
public enum PlanTextRenderer {
    public static func render(_ plan: Plan) -> String {
        var lines: [String] = []
        let shortHash = String(plan.playbook.sha256.prefix(12))
        lines.append("Dry run of \(plan.playbook.name) v\(plan.playbook.version) (\(plan.playbook.file), sha256 \(shortHash)). Nothing has been executed.")
        let inputs = plan.inputs.keys.sorted().compactMap { key -> String? in
            guard let value = plan.inputs[key], value != .null else { return nil }
            return "\(key)=\(inline(value))"
        }
        lines.append("Inputs: \(inputs.joined(separator: "  "))")
        if let leave = plan.leaveTime {
            lines.append("Leave time: \(leave.local) (\(leave.utc))\(leave.immediate ? ", already passed" : "")")
        }
        lines.append("Time zone: \(plan.timeZone). Planned as of \(plan.now).")
        let runnable = plan.runnableSteps
        lines.append("")
        lines.append(runnable.isEmpty ? "No step would run." : "\(runnable.count) step\(runnable.count == 1 ? "" : "s") would run, in this order:")
        for step in runnable { lines += block(step) }
        let skipped = plan.steps.filter { $0.status == .skip }
        if !skipped.isEmpty {
            lines.append("")
            lines.append("Skipped:")
            for step in skipped { lines.append("  - \(name(step)): \(safe(step.reason ?? ""))") }
        }
        let fallbacks = plan.steps.filter { $0.status == .onFailure }
        if !fallbacks.isEmpty {
            lines.append("")
            lines.append("Only when triggered (a failure or a missed deadline):")
            for step in fallbacks { lines.append("  - \(name(step)) (\(step.uses)): \(safe(step.reason ?? ""))") }
        }
        let failing = plan.steps.filter { $0.status == .error }
        if !failing.isEmpty {
            lines.append("")
            lines.append("Would fail:")
            for step in failing { lines.append("  - \(name(step)): \(safe(step.reason ?? ""))") }
        }
        if !plan.secrets.isEmpty {
            lines.append("")
            lines.append("Secrets read at run time (values never shown): \(plan.secrets.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func name(_ step: PlannedStep) -> String {
        step.item.map { "\(step.id) [\(safe($0))]" } ?? step.id
    }

    private static func block(_ step: PlannedStep) -> [String] {
        var lines = [""]
        let order = step.order.map { "\($0)." } ?? "-"
        lines.append("\(order) \(name(step))  (\(step.uses))\(step.description.map { " — \(safe($0))" } ?? "")")
        let indent = "      "
        func field(_ label: String, _ text: String) {
            let padded = (label + ":").padding(toLength: 10, withPad: " ", startingAt: 0)
            lines.append("   \(padded)\(text)")
        }
        if let time = step.notBefore { field("starts", describe(time, immediateWord: "now")) }
        if step.status == .conditional, let reason = step.reason { field("only if", safe(reason)) }
        if let action = step.action {
            field("would", safe(action.summary))
            for detail in action.details { lines.append("   \(indent)    \(safe(detail))") }
        }
        if case .object(let parameters)? = step.parameters, !parameters.isEmpty {
            let keys = parameters.keys.sorted()
            field("with", "\(keys[0]): \(inline(parameters[keys[0]]!))")
            for key in keys.dropFirst() { lines.append("   \(indent)    \(key): \(inline(parameters[key]!))") }
        }
        if let deadline = step.deadline { field("deadline", describe(deadline, immediateWord: "already passed")) }
        var policy: [String] = []
        if let retry = step.retry, retry.attempts > 1 {
            policy.append("\(retry.attempts) attempts, \(retry.backoff.rawValue) back-off \(retry.initial)…\(retry.max)")
        }
        if let timeout = step.timeout { policy.append("timeout \(timeout)") }
        if step.onFailure != "abort" { policy.append("on failure: \(step.onFailure)") }
        if !step.onDeadline.isEmpty { policy.append("if late: \(step.onDeadline.joined(separator: ", "))") }
        if !policy.isEmpty { field("policy", policy.joined(separator: "; ")) }
        if !step.needs.isEmpty { field("after", step.needs.joined(separator: ", ")) }
        return lines
    }

    private static func describe(_ time: PlanTime, immediateWord: String) -> String {
        var parts = [time.immediate ? "\(immediateWord) (\(time.local))" : time.local, time.utc]
        if let relative = time.relative { parts.append(relative) }
        return parts.joined(separator: " · ")
    }

    private static func inline(_ value: JSONValue) -> String {
        if case .string(let text) = value { return safe(text) }
        return safe(value.compactText)
    }

    private static func safe(_ text: String) -> String { SafeText.terminal(text) }
}
