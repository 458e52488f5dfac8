import Foundation
import Testing

/// `worker --until-idle` finishes what is left: it used to return at once with "drove 0 run(s)" while runs were
/// still leased by other workers (killed ones included), leaving them running.
@Suite struct UntilIdleTests {
    /// A run of a one-step playbook whose `command` runs `script` (it writes DIR/started first), started and taken by
    /// a worker process; returns once the step has started.
    static func heldRun(_ script: String, extraSteps: String = "") async throws -> (directory: String, environment: [String: String], run: String, worker: Process) {
        let directory = NSTemporaryDirectory() + "offboard-idle-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try """
            playbook: slow
            version: 1
            steps:
              - { id: slow, uses: command, with: { argv: [/bin/sh, -c, '\(script.replacingOccurrences(of: "DIR", with: directory))'] } }
            \(extraSteps)
            """.write(toFile: "\(directory)/slow.yaml", atomically: true, encoding: .utf8)
        let environment = ["OFFBOARD_DB": "\(directory)/runs.sqlite"]
        let run = try CLI.run(["start", "\(directory)/slow.yaml"], environment: environment).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let worker = try PauseTests.process(["worker"], environment: environment, log: "\(directory)/worker.log")
        try await PauseTests.waitFor("the step to start", seconds: 20) { FileManager.default.fileExists(atPath: "\(directory)/started") }
        return (directory, environment, run, worker)
    }

    @Test(.timeLimit(.minutes(2)))
    func untilIdleWaitsForRunsLeasedByALiveWorkerAndSaysSo() async throws {
        // The step runs until the test lets it go, so the idle worker is sure to find it in progress however slowly
        // this machine starts processes (a fixed `sleep 3` once finished first under load, and nothing was waited for).
        let (directory, environment, run, first) = try await Self.heldRun(
            #"echo started >> "DIR/started"; for i in $(seq 600); do [ -e "DIR/release" ] && exit 0; sleep 0.1; done; exit 1"#)
        defer {
            kill(first.processIdentifier, SIGTERM)
            first.waitUntilExit()
        }
        let log = "\(directory)/idle.log"
        let idle = try PauseTests.process(["worker", "--until-idle"], environment: environment, log: log)
        let waiting = "waiting for 1 due run(s) leased by other workers: \(run) (held by "
        try await PauseTests.waitFor("the idle worker to say what it waits for", seconds: 30) {
            (try? String(contentsOfFile: log, encoding: .utf8))?.contains(waiting) == true
        }
        #expect(idle.isRunning, "it is still waiting while the step runs")
        _ = FileManager.default.createFile(atPath: "\(directory)/release", contents: nil)
        idle.waitUntilExit()
        #expect(idle.terminationStatus == 0, "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        let status = try CLI.json(try CLI.run(["status", run, "--format", "json"], environment: environment).stdout)
        #expect(status["state"] as? String == "succeeded", "it returned only once nothing was left to do")
    }

    @Test(.timeLimit(.minutes(2)))
    func untilIdleTakesOverARunWhoseWorkerWasKilledWithTheDefaultLease() async throws {
        let (_, environment, run, killed) = try await Self.heldRun(#"echo "$OFFBOARD_ATTEMPT" >> "DIR/started"; [ "$OFFBOARD_ATTEMPT" = 1 ] && sleep 30; true"#,
                                                                  extraSteps: "  - { id: after, uses: log, needs: [slow], with: { message: done } }")
        kill(killed.processIdentifier, SIGKILL)
        killed.waitUntilExit()

        let started = Date()
        let idle = try CLI.run(["worker", "--until-idle"], environment: environment)
        #expect(idle.status == 0 && idle.stderr.contains("drove 1 run(s), 1 finished"), "\(idle.stderr)")
        #expect(idle.stderr.contains("whose process is gone; taking it over"))
        #expect(Date().timeIntervalSince(started) < 25, "taken over at once, not after the 30 s lease")
        let status = try CLI.json(try CLI.run(["status", run, "--format", "json"], environment: environment).stdout)
        #expect(status["state"] as? String == "succeeded")
    }
}
