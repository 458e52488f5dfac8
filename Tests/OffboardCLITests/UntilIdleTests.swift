import Foundation
import Testing

/// `worker --until-idle` finishes what is left: it used to return at once with "drove 0 run(s)" while runs were
/// still leased by other workers (killed ones included), leaving them running.
@Suite struct UntilIdleTests {
    @Test(.timeLimit(.minutes(2)))
    func untilIdleWaitsForRunsLeasedByALiveWorkerAndSaysSo() async throws {
        let directory = NSTemporaryDirectory() + "offboard-idle-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try """
            playbook: slow
            version: 1
            steps:
              - { id: slow, uses: command, with: { argv: [/bin/sh, -c, 'echo started >> "\(directory)/started"; sleep 3'] } }
            """.write(toFile: "\(directory)/slow.yaml", atomically: true, encoding: .utf8)
        let environment = ["OFFBOARD_DB": "\(directory)/runs.sqlite"]
        let run = try CLI.run(["start", "\(directory)/slow.yaml"], environment: environment).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let first = try PauseTests.process(["worker"], environment: environment, log: "\(directory)/first.log")
        defer {
            kill(first.processIdentifier, SIGTERM)
            first.waitUntilExit()
        }
        try await PauseTests.waitFor("the step to start", seconds: 20) { FileManager.default.fileExists(atPath: "\(directory)/started") }

        let idle = try CLI.run(["worker", "--until-idle"], environment: environment)
        #expect(idle.status == 0, "\(idle.stderr)")
        #expect(idle.stderr.contains("waiting for 1 due run(s) leased by other workers: \(run) (held by "), "\(idle.stderr)")
        let status = try CLI.json(try CLI.run(["status", run, "--format", "json"], environment: environment).stdout)
        #expect(status["state"] as? String == "succeeded", "it returned only once nothing was left to do")
    }

    @Test(.timeLimit(.minutes(2)))
    func untilIdleTakesOverARunWhoseWorkerWasKilledWithTheDefaultLease() async throws {
        let directory = NSTemporaryDirectory() + "offboard-idle-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try """
            playbook: slow
            version: 1
            steps:
              - { id: slow, uses: command, with: { argv: [/bin/sh, -c, 'echo "$OFFBOARD_ATTEMPT" >> "\(directory)/started"; sleep 30'] } }
              - { id: after, uses: log, needs: [slow], with: { message: done } }
            """.replacingOccurrences(of: "sleep 30", with: "[ \"$OFFBOARD_ATTEMPT\" = 1 ] && sleep 30; true")
            .write(toFile: "\(directory)/slow.yaml", atomically: true, encoding: .utf8)
        let environment = ["OFFBOARD_DB": "\(directory)/runs.sqlite"]
        let run = try CLI.run(["start", "\(directory)/slow.yaml"], environment: environment).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let killed = try PauseTests.process(["worker"], environment: environment, log: "\(directory)/killed.log")
        try await PauseTests.waitFor("the step to start", seconds: 20) { FileManager.default.fileExists(atPath: "\(directory)/started") }
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
