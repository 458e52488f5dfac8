import Foundation
import NIOHTTP1
import TestServerSupport
import Testing

/// `offboard worker` beside `offboard serve` on one database, as real processes: a request made over HTTP for a
/// run the other process holds is recorded and applied by that process (the server never drives a run it does
/// not hold), runs started over HTTP are driven while both are up, and no step runs twice.
@Suite struct ServeBesideWorkerTests {
    static let playbook = """
        playbook: beside
        version: 1
        inputs:
          employee_id: { type: string }
        steps:
          - id: first
            uses: command
            with: { argv: [/bin/sleep, "60"] }
          - id: second
            needs: [first]
            uses: log
            with: { message: "after the pause, {{ inputs.employee_id }}" }
        """

    static let tasked = """
        playbook: tasked
        version: 1
        inputs:
          employee_id: { type: string }
        steps:
          - id: collect
            uses: task
            with: { assignee: it, title: "Collect the laptop of {{ inputs.employee_id }}" }
          - id: done
            needs: [collect]
            uses: log
            with: { message: "collected" }
        """

    static func history(_ server: ServeProcess, _ run: String, _ token: String) async throws -> [[String: Any]] {
        try await server.request(.GET, "/v1/runs/\(run)/history", token: token).items
    }

    @Test(.timeLimit(.minutes(3)))
    func aRequestForARunTheOtherWorkerHoldsIsAppliedThereAndNoStepRunsTwice() async throws {
        let files = try ServeProcess.workflows(["beside.yaml": Self.playbook, "tasked.yaml": Self.tasked], prefix: "offboard-beside")
        let environment = files.environment.merging(["OFFBOARD_DB": "\(files.directory)/runs.sqlite"]) { $1 }
        let workerLog = "\(files.directory)/worker.log"
        let worker = try PauseTests.process(["worker"], environment: environment, log: workerLog)
        defer { if worker.isRunning { kill(worker.processIdentifier, SIGTERM); worker.waitUntilExit() } }

        // The side worker takes the run and holds it through its first step.
        let started = try await CLI.running(["start", "beside", "--set", "employee_id=E1"], environment: environment)
        try #require(started.status == 0, "\(started.stderr)")
        let run = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // (The step sleeps a minute: the cancel below ends it, so the test never waits that long.)
        let running = try await eventually(within: 45) {
            let status = try await CLI.running(["status", run, "--format", "json"], environment: environment)
            let steps = (try? JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["steps"] as? [[String: Any]] ?? []
            return steps.first { $0["id"] as? String == "first" }?["state"] as? String == "running"
        }
        try #require(running, "the side worker started the first step: \(PauseTests.lines(workerLog))")

        let server = try await ServeProcess(environment: environment, arguments: ["--hooks", "\(files.directory)/workflows"], directory: files.directory)
        defer { server.stop() }
        let ops = try await server.token(role: "operator", name: "ops")
        // The server records the cancel and waits for the holder's answer: the side worker takes the request (200, not
        // pending), ends its step, and the run (the answer's state may still be running while that step winds down).
        let cancelled = try await server.request(.POST, "/v1/runs/\(run)/cancel", token: ops, json: ["reason": "resignation withdrawn"])
        #expect(cancelled.status == 200 && cancelled.json["pending"] as? Bool == false, "\(cancelled.text)")
        #expect(try await eventually { try await server.request(.GET, "/v1/runs/\(run)", token: ops).json["state"] as? String == "cancelled" })
        let entries = try await Self.history(server, run, ops)
        #expect(!entries.contains { $0["type"] as? String == "step.start" && $0["instance"] as? String == "second" }, "the cancel came first: \(entries)")
        #expect(entries.filter { $0["type"] as? String == "step.start" && $0["instance"] as? String == "first" }.count == 1, "\(entries)")
        #expect(!server.output.contains("run \(run) is held by another worker"), "the server never tries to drive a run it does not hold")

        // With both up, runs started over HTTP finish, each step once, whichever worker takes them.
        var runs: [String] = []
        for index in 0..<6 {
            let made = try await server.request(.POST, "/v1/runs", token: ops, json: ["playbook": "tasked", "inputs": ["employee_id": "T\(index)"]])
            try #require(made.status == 201, "\(made.text)")
            runs.append(try #require(made.json["id"] as? String))
        }
        for id in runs {
            let open = try await eventually { try await server.request(.GET, "/v1/tasks", token: ops).items.contains { $0["run"] as? String == id } }
            #expect(open, "run \(id)'s task opened")
            let completed = try await server.request(.POST, "/v1/runs/\(id)/tasks/collect/complete", token: ops, json: ["evidence": [String: Any]()])
            #expect([200, 202].contains(completed.status), "\(completed.text)")
        }
        for id in runs {
            let finished = try await eventually { try await server.request(.GET, "/v1/runs/\(id)", token: ops).json["state"] as? String == "succeeded" }
            #expect(finished, "run \(id)")
            let starts = try await Self.history(server, id, ops).filter { $0["type"] as? String == "step.start" }.compactMap { $0["instance"] as? String }
            #expect(starts.sorted() == ["collect", "done"], "run \(id): \(starts)")
        }
        #expect(worker.isRunning, "the side worker is still up: \(PauseTests.lines(workerLog))")
    }
}
