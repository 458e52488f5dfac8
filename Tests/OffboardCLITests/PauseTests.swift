import Engine
import Foundation
import Testing

/// A worker paused (SIGSTOP) past its lease while its `command` child runs on: another worker takes the run
/// over, ends the child before it runs the step again, and the paused worker, once continued, finds its lease
/// lapsed and writes nothing. Each execution records its start and end with its pid and holds a lock for the
/// step while it runs, so two executions at once would be seen. With the default lease, and a short one.
@Suite struct PauseTests {
    static func process(_ arguments: [String], environment: [String: String], log: String) throws -> Process {
        let worker = Process()
        worker.executableURL = URL(fileURLWithPath: CLI.binary)
        worker.arguments = arguments
        worker.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        worker.standardOutput = FileHandle.nullDevice
        worker.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try worker.run()
        return worker
    }

    static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    static func waitFor(_ what: String, seconds: Double, _ condition: () throws -> Bool) async throws {
        let giveUp = Date().addingTimeInterval(seconds)
        while try !condition() {
            try #require(Date() < giveUp, "timed out waiting for \(what)")
            try await Task.sleep(nanoseconds: 50_000_000)
        }
    }

    @Test(.timeLimit(.minutes(3)), arguments: [nil, "2"])
    func aWorkerPausedPastItsLeaseNeverRunsAStepAlongsideItsSuccessor(lease: String?) async throws {
        let directory = NSTemporaryDirectory() + "offboard-pause-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let executions = "\(directory)/executions.log", overlaps = "\(directory)/overlaps.log"
        // The first attempt outlasts any lease; a rerun is quick.
        try """
            playbook: pause
            version: 1
            steps:
              - id: revoke
                uses: command
                with:
                  argv: [/bin/sh, -c, 'exec 9>"\(directory)/revoke.lock"; flock -n 9 || echo "OVERLAP $$" >> "\(overlaps)"; echo "start $$ $OFFBOARD_ATTEMPT" >> "\(executions)"; if [ "$OFFBOARD_ATTEMPT" = 1 ]; then sleep 60; fi; echo "end $$ $OFFBOARD_ATTEMPT" >> "\(executions)"']
            """.write(toFile: "\(directory)/pause.yaml", atomically: true, encoding: .utf8)
        let environment = ["OFFBOARD_DB": "\(directory)/runs.sqlite"]
        let leaseArguments = lease.map { ["--lease", $0] } ?? []
        let run = try CLI.run(["start", "\(directory)/pause.yaml"], environment: environment).stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let first = try Self.process(["worker"] + leaseArguments, environment: environment, log: "\(directory)/first.log")
        try await Self.waitFor("the first attempt to start", seconds: 20) { Self.lines(executions).count == 1 }
        let child = try #require(Self.lines(executions).first.flatMap { Int32($0.split(separator: " ")[1]) })
        kill(first.processIdentifier, SIGSTOP)

        // The second worker waits out the paused worker's lease (it is alive, so nothing shortens it), ends
        // the child it left, and runs the step again.
        let second = try Self.process(["worker"] + leaseArguments, environment: environment, log: "\(directory)/second.log")
        // Ended: gone, or a zombie its paused parent cannot reap yet.
        try await Self.waitFor("the paused worker's child to be ended", seconds: 60) { !ProcessState.isAlive(child) }
        kill(first.processIdentifier, SIGCONT)
        try await Self.waitFor("the run to succeed", seconds: 30) {
            (try CLI.json(try CLI.run(["status", run, "--format", "json"], environment: environment).stdout))["state"] as? String == "succeeded"
        }
        // Once continued, the paused worker sees its child gone and its lease taken; stopping it before then
        // (a loaded machine can take seconds to schedule it) would prove nothing about what it does next.
        let pausedLogPath = "\(directory)/first.log"
        try await Self.waitFor("the paused worker to find its lease lapsed", seconds: 60) {
            let log = (try? String(contentsOfFile: pausedLogPath, encoding: .utf8)) ?? ""
            return log.contains("lapsed") || log.contains("held by another worker")
        }
        for worker in [first, second] {
            kill(worker.processIdentifier, SIGTERM)
            worker.waitUntilExit()
        }

        #expect(Self.lines(overlaps).isEmpty, "two executions of the step overlapped")
        let recorded = Self.lines(executions)
        #expect(recorded.count == 3, "\(recorded)")
        #expect(recorded.first?.hasPrefix("start \(child) 1") == true && recorded.dropFirst().first?.hasPrefix("start ") == true
                && recorded.last?.hasPrefix("end ") == true, "the first execution was ended, the second ran to its end: \(recorded)")
        let history = try CLI.run(["history", run], environment: environment).stdout
        #expect(history.contains("revoke was interrupted"), "\(history)")
        let pausedLog = (try? String(contentsOfFile: pausedLogPath, encoding: .utf8)) ?? ""
        #expect(!pausedLog.contains("revoke succeeded"), "the paused worker wrote nothing for the step: \(pausedLog)")
        #expect(((try? String(contentsOfFile: "\(directory)/second.log", encoding: .utf8)) ?? "").contains("ended 2 process(es) a previous holder's attempts left running"), "the shell and its sleep")
    }
}
