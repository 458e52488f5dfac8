import Foundation
import Testing

/// Kills `offboard worker` processes with SIGKILL at random instants, at least 50 times, while
/// runs of a playbook whose `command` steps append their idempotency key to a file are in flight.
/// After a final worker, every run has finished, every step's side effect is present, a key
/// appears more than once only for attempts the journal shows as interrupted, and no two executions
/// of one step ever overlapped (each holds a lock for its key while it runs; a killed worker's orphaned
/// child must be ended before the step runs again). Run with the default lease and with a short one:
/// a killed worker's lease is taken over at once on the same machine, so both behave alike.
@Suite struct CrashTortureTests {
    /// One step's argv: take the lock of its key (an execution still running holds it: OVERLAP), then
    /// record its key between two pauses.
    static func step(_ before: String, _ after: String) -> String {
        #"[/bin/sh, -c, 'exec 9>"LOCKS/$(echo $OFFBOARD_IDEMPOTENCY_KEY | tr / _)"; flock -n 9 || echo "OVERLAP $OFFBOARD_IDEMPOTENCY_KEY" >> OVERLAPS; "#
            + before + #"echo "$OFFBOARD_IDEMPOTENCY_KEY" >> EFFECTS; sleep "# + after + "']"
    }

    static let playbook = """
        playbook: torture
        version: 1
        inputs: { devices: { type: list, default: [laptop, phone] } }
        defaults: { retry: { attempts: 3, initial: 1s, max: 2s } }
        steps:
          - { id: revoke-db, uses: command, with: { argv: \(step("", "0.3")) } }
          - id: reclaim
            uses: command
            needs: [revoke-db]
            for_each: inputs.devices
            with: { argv: \(step("sleep 0.25; ", "0.1")) }
          - { id: revoke-sso, uses: command, needs: [revoke-db], with: { argv: \(step("sleep 0.1; ", "0.2")) } }
          - { id: notify, uses: command, needs: [reclaim, revoke-sso], with: { argv: \(step("", "0.2")) } }
        """
    static let instances = ["revoke-db", "reclaim/laptop", "reclaim/phone", "revoke-sso", "notify"]

    static func instanceName(_ step: [String: Any]) -> String? {
        guard let id = step["id"] as? String else { return nil }
        guard let item = step["item"] as? String else { return id }
        return "\(id)/\(item)"
    }

    @Test(.timeLimit(.minutes(5)), arguments: [nil, "1"])
    func fiftySIGKILLsLoseRepeatOrOverlapNothingUnexplained(lease: String?) async throws {
        let directory = NSTemporaryDirectory() + "offboard-torture-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: "\(directory)/locks", withIntermediateDirectories: true)
        let effects = "\(directory)/effects.log", database = "\(directory)/runs.sqlite", overlaps = "\(directory)/overlaps.log"
        try Self.playbook.replacingOccurrences(of: "EFFECTS", with: effects).replacingOccurrences(of: "OVERLAPS", with: overlaps)
            .replacingOccurrences(of: "LOCKS", with: "\(directory)/locks").write(toFile: "\(directory)/torture.yaml", atomically: true, encoding: .utf8)
        let environment = ["OFFBOARD_DB": database]
        let leaseArguments = lease.map { ["--lease", $0] } ?? []

        var runs: [String] = []
        for _ in 0..<24 {
            let started = try CLI.run(["start", "\(directory)/torture.yaml"], environment: environment)
            try #require(started.status == 0, "\(started.stderr)")
            runs.append(started.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }

        var generator = SystemRandomNumberGenerator()
        var kills = 0
        while kills < 50 {
            let worker = Process()
            worker.executableURL = URL(fileURLWithPath: CLI.binary)
            worker.arguments = ["worker", "--concurrency", "6"] + leaseArguments
            worker.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            worker.standardOutput = FileHandle.nullDevice
            worker.standardError = FileHandle.nullDevice
            try worker.run()
            // Lifetimes from a moment (killed while starting or recovering) to well past a short lease.
            try await Task.sleep(nanoseconds: UInt64.random(in: 50_000_000...1_600_000_000, using: &generator))
            kill(worker.processIdentifier, SIGKILL)
            worker.waitUntilExit()
            #expect(worker.terminationReason == .uncaughtSignal)
            kills += 1
        }

        // The last worker's orphaned commands may still run: the final worker ends them before it reruns a step.
        let final = try CLI.run(["worker", "--until-idle"] + leaseArguments, environment: environment)
        #expect(final.status == 0, "\(final.stderr)")
        let overlapped = (try? String(contentsOfFile: overlaps, encoding: .utf8)) ?? ""
        #expect(overlapped.isEmpty, "two executions of one step ran at once:\n\(overlapped)")

        let lines = ((try? String(contentsOfFile: effects, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        var counts: [String: Int] = [:]
        for line in lines { counts[line, default: 0] += 1 }
        var duplicated = 0, interrupted = 0
        for run in runs {
            let status = try CLI.json(try CLI.run(["status", run, "--format", "json"], environment: environment).stdout)
            #expect(status["state"] as? String == "succeeded", "\(run): \(status["state"] ?? "nil")")
            let steps = try #require(status["steps"] as? [[String: Any]])
            for instance in Self.instances {
                let key = "\(run)/\(instance)"
                let count = counts[key] ?? 0
                #expect(count >= 1, "the side effect of \(key) is missing")
                let step = steps.first { Self.instanceName($0) == instance }
                let interruptions = step?["interruptions"] as? Int ?? 0
                interrupted += interruptions
                let failures = (step?["attempts"] as? Int ?? 1) - 1 - interruptions
                #expect(count <= 1 + interruptions + max(0, failures), "\(key) ran \(count) times but the journal shows \(interruptions) interruption(s)")
                if count > 1 { duplicated += 1 }
            }
        }
        #expect(Set(counts.keys).isSubset(of: Set(runs.flatMap { run in Self.instances.map { "\(run)/\($0)" } })))
        // The kills must really have cut steps off, or this test proves nothing.
        #expect(interrupted >= 5, "only \(interrupted) attempts were interrupted by \(kills) kills")
        print("crash torture (lease \(lease ?? "default")): \(kills) SIGKILLs, \(interrupted) attempts interrupted, \(lines.count) side effects for \(runs.count * Self.instances.count) step instances, \(duplicated) repeated after an interruption")
    }
}
