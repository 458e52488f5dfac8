import Benchmark
import Foundation
import Handlers
import Playbook

/// A generated playbook of `count` steps: every step after the first needs one or two earlier
/// steps, and every step has templates (in `with`, `when` and `at`) that the validator type-checks.
func generatedPlaybook(steps count: Int) -> String {
    var lines = [
        "playbook: generated", "version: 1",
        "inputs:",
        "  employee_id: { type: string, required: true }",
        "  email: { type: email, required: true }",
        "  leave_at: { type: datetime, required: true }",
        "  immediate: { type: bool, default: false }",
        "  devices: { type: list, items: object, default: [] }",
        "leave_time: \"{{ inputs.leave_at }}\"",
        "steps:",
    ]
    for index in 0..<count {
        lines.append("  - id: step-\(index)")
        switch index % 4 {
        case 0:
            lines.append("    uses: log")
            lines.append("    with: { message: \"step \(index) for {{ inputs.employee_id }} ({{ inputs.email }})\" }")
        case 1:
            lines.append("    uses: postgres.revoke")
            lines.append("    at: \"{{ inputs.immediate ? now : inputs.leave_at + \(index)m }}\"")
            lines.append("    deadline: 1h")
            lines.append("    with: { connection: \"${secret:DB_\(index)}\", role: \"{{ inputs.employee_id }}_\(index)\", terminate_sessions: true }")
        case 2:
            lines.append("    uses: task")
            lines.append("    for_each: \"{{ inputs.devices }}\"")
            lines.append("    when: \"{{ inputs.devices != null && !inputs.immediate }}\"")
            lines.append("    with: { assignee: it, title: \"Collect {{ item.asset_tag }} from {{ inputs.email }}\", evidence: [asset_tag] }")
        default:
            lines.append("    uses: http")
            lines.append("    with: { url: \"${secret:HOOK}\", body: { text: \"{{ steps.step-\(index - 1).output.id }} done\" } }")
        }
        if index > 0 {
            let needs = index >= 2 && index % 3 == 0 ? "step-\(index - 1), step-\(index / 2)" : "step-\(index - 1)"
            lines.append("    needs: [\(needs)]")
        }
    }
    return lines.joined(separator: "\n") + "\n"
}

/// A chain of `count` log steps in flow style, each needing the one before; with `farReads`, every step also reads
/// the first step's output (so each reference asks whether a step waits for one far back). 10,000 steps stay under
/// the loader's 1 MiB limit. Validation must stay linear: the server validates what callers send.
func chainPlaybook(steps count: Int, farReads: Bool) -> String {
    var lines = ["playbook: chain", "version: 1", "steps:"]
    for index in 0..<count {
        let needs = index > 0 ? ", needs: [s\(index - 1)]" : ""
        let message = farReads && index > 0 ? "{{ steps.s0.output.x }}" : "step \(index)"
        lines.append("  - { id: s\(index), uses: log\(needs), with: { message: \"\(message)\" } }")
    }
    return lines.joined(separator: "\n") + "\n"
}

let benchmarks: @Sendable () -> Void = {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("offboard-benchmark-\(ProcessInfo.processInfo.processIdentifier)")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent("generated-1000.yaml").path
    try? generatedPlaybook(steps: 1_000).write(toFile: path, atomically: true, encoding: .utf8)
    let loader = PlaybookLoader(catalog: BuiltInHandlers.registry())
    let chainPath = directory.appendingPathComponent("chain-10000.yaml").path
    let farPath = directory.appendingPathComponent("chain-10000-far-reads.yaml").path
    try? chainPlaybook(steps: 10_000, farReads: false).write(toFile: chainPath, atomically: true, encoding: .utf8)
    try? chainPlaybook(steps: 10_000, farReads: true).write(toFile: farPath, atomically: true, encoding: .utf8)

    // Fail loudly rather than time a playbook that does not validate.
    let check = loader.load(path: path)
    precondition(check.playbook?.steps.count == 1_000, "generated playbook is invalid: \(check.diagnostics.prefix(5))")
    for chain in [chainPath, farPath] {
        let loaded = loader.load(path: chain)
        precondition(loaded.playbook?.steps.count == 10_000, "chain playbook is invalid: \(loaded.diagnostics.prefix(5))")
    }

    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .mallocCountTotal],
                                           timeUnits: .milliseconds, maxDuration: .seconds(10), maxIterations: 200)

    Benchmark("Validate a 1,000-step playbook (read, libyaml, decode, validate)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(loader.load(path: path))
        }
    }

    Benchmark("Validate a 10,000-step chain (each step needs the one before)", configuration: .init(maxIterations: 20)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(loader.load(path: chainPath))
        }
    }

    Benchmark("Validate a 10,000-step chain whose steps all read the first step's output", configuration: .init(maxIterations: 20)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(loader.load(path: farPath))
        }
    }
}
