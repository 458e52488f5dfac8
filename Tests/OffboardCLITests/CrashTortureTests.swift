import Foundation
import Testing

/// Kills `offboard worker` processes with SIGKILL at random instants, at least 50 times, while
/// runs of a playbook whose `command` steps append their idempotency key to a file are in flight.
/// After a final worker, every run has finished, every step's side effect is present, and a key
/// appears more than once only for attempts the journal shows as interrupted.
@Suite struct CrashTortureTests {
    static let playbook = """
        playbook: torture
        version: 1
        inputs: { devices: { type: list, default: [laptop, phone] } }
        defaults: { retry: { attempts: 3, initial: 1s, max: 2s } }
        steps:
          - { id: revoke-db, uses: command, with: { argv: [/bin/sh, -c, 'echo "$OFFBOARD_IDEMPOTENCY_KEY" >> EFFECTS; sleep 0.3'] } }
          - id: reclaim
            uses: command
            needs: [revoke-db]
            for_each: inputs.devices
            with: { argv: [/bin/sh, -c, 'sleep 0.25; echo "$OFFBOARD_IDEMPOTENCY_KEY" >> EFFECTS; sleep 0.1'] }
          - { id: revoke-sso, uses: command, needs: [revoke-db], with: { argv: [/bin/sh, -c, 'sleep 0.1; echo "$OFFBOARD_IDEMPOTENCY_KEY" >> EFFECTS; sleep 0.2'] } }
          - { id: notify, uses: command, needs: [reclaim, revoke-sso], with: { argv: [/bin/sh, -c, 'echo "$OFFBOARD_IDEMPOTENCY_KEY" >> EFFECTS; sleep 0.2'] } }
        """
    static let instances = ["revoke-db", "reclaim/laptop", "reclaim/phone", "revoke-sso", "notify"]

    static func instanceName(_ step: [String: Any]) -> String? {
        guard let id = step["id"] as? String else { return nil }
        guard let item = step["item"] as? String else { return id }
        return "\(id)/\(item)"
    }

    @Test(.timeLimit(.minutes(5)))
    func fiftySIGKILLsLoseAndRepeatNothingUnexplained() async throws {
        let directory = NSTemporaryDirectory() + "offboard-torture-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let effects = "\(directory)/effects.log", database = "\(directory)/runs.sqlite"
        try Self.playbook.replacingOccurrences(of: "EFFECTS", with: effects).write(toFile: "\(directory)/torture.yaml", atomically: true, encoding: .utf8)
        let environment = ["OFFBOARD_DB": database]

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
            worker.arguments = ["worker", "--lease", "1", "--concurrency", "6"]
            worker.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            worker.standardOutput = FileHandle.nullDevice
            worker.standardError = FileHandle.nullDevice
            try worker.run()
            // Lifetimes from a moment (killed while starting or recovering) to well past the lease.
            try await Task.sleep(nanoseconds: UInt64.random(in: 50_000_000...1_600_000_000, using: &generator))
            kill(worker.processIdentifier, SIGKILL)
            worker.waitUntilExit()
            #expect(worker.terminationReason == .uncaughtSignal)
            kills += 1
        }

        // Orphaned commands of the last worker may still be appending; then one clean worker finishes.
        try await Task.sleep(nanoseconds: 300_000_000)
        let final = try CLI.run(["worker", "--until-idle", "--lease", "1"], environment: environment)
        #expect(final.status == 0, "\(final.stderr)")

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
        print("crash torture: \(kills) SIGKILLs, \(interrupted) attempts interrupted, \(lines.count) side effects for \(runs.count * Self.instances.count) step instances, \(duplicated) repeated after an interruption")
    }
}
