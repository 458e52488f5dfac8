import Engine
import Foundation
import ServiceStores
import NIOHTTP1
import SQLiteStore
import Testing

/// `offboard serve` stopped as systemd stops it (SIGTERM, with its default settings): it stops taking requests, ends
/// the step in flight so it resumes with the same idempotency key, exits 0, and the next server loses nothing: the
/// step runs again, and an HR event recorded but not yet acted on is acted on at start.
@Suite struct ServeShutdownTests {
    @Test(.timeLimit(.minutes(2)))
    func sigtermStopsCleanlyAndTheNextServerResumesEverything() async throws {
        let scratch = try ServeProcess.workflows([
            "slow.yaml": """
                playbook: slow
                version: 1
                inputs:
                  employee_id: { type: string }
                steps:
                  - id: slow
                    uses: command
                    with: { argv: [/bin/sh, -c, 'echo "$OFFBOARD_IDEMPOTENCY_KEY $OFFBOARD_ATTEMPT" >> DIR/keys; [ "$OFFBOARD_ATTEMPT" = 1 ] && exec sleep 60; true'] }
                """,
            "hr.hook.yaml": """
                hook: hr
                verify: { scheme: bearer, secret: "${secret:HR_TOKEN}" }
                employee: event.employee_id
                leaver:
                  when: event.status == 'terminated'
                  playbook: slow
                  effective: event.day
                  inputs: { employee_id: "{{ event.employee_id }}" }
                """,
        ], prefix: "offboard-serve-stop")
        let directory = scratch.directory
        let environment = scratch.environment.merging(["OFFBOARD_SECRET_HR_TOKEN": "t"]) { $1 }, arguments = scratch.arguments
        let first = try await ServeProcess(environment: environment, arguments: arguments, directory: directory)
        let token = try await first.token(role: "operator", name: "ops")
        let started = try await first.request(.POST, "/v1/runs", token: token, json: ["playbook": "slow", "inputs": ["employee_id": "E1"]])
        let run = try #require(started.json["id"] as? String, "\(started.text)")
        try await PauseTests.waitFor("the step to start", seconds: 20) { PauseTests.lines("\(directory)/keys").count == 1 }

        let stopping = Date()
        kill(first.process.processIdentifier, SIGTERM)
        first.process.waitUntilExit()
        #expect(first.process.terminationStatus == 0, "\(first.output)")
        #expect(Date().timeIntervalSince(stopping) < 15, "it stops promptly")
        await #expect(throws: (any Error).self, "it no longer takes requests") {
            // (The client retries a refused connection until its deadline, so the deadline is short.)
            _ = try await first.request(.GET, "/healthz", timeout: 2)
        }
        let stored = try #require(try await SQLiteRunStore(path: "\(directory)/runs.sqlite").summary(of: run))
        #expect(stored.leaseOwner == nil, "the lease was given back")
        #expect(stored.state == .running)

        // While no server runs, an HR event is recorded (as a server does before answering 202).
        let store = try SQLiteRunStore(path: "\(directory)/runs.sqlite")
        _ = try await store.recordHookEvent(HookEvent(source: "hr", deliveryID: "d-1", receivedAt: Date(),
                                                      body: Data(#"{"employee_id": "E2", "status": "terminated", "day": "2030-01-01"}"#.utf8)))
        // And one a server on this machine had recorded for itself (claimed, to act on at once) when it was killed:
        // its claim would run for five minutes; the next server takes it over at once, its holder being gone.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let killedServer = "\(ProcessInfo.processInfo.hostName):\(gone.processIdentifier):7"
        _ = try await store.recordHookEvent(HookEvent(source: "hr", deliveryID: "d-2", receivedAt: Date(),
                                                      body: Data(#"{"employee_id": "E3", "status": "terminated", "day": "2030-01-01"}"#.utf8)),
                                            claim: HookClaim(owner: killedServer, until: Date().addingTimeInterval(300), recorded: { _, _ in }))

        let second = try await ServeProcess(environment: environment, arguments: arguments, directory: directory)
        defer { second.stop() }
        var state = ""
        for _ in 0..<400 {
            state = try await second.request(.GET, "/v1/runs/\(run)", token: token).json["state"] as? String ?? ""
            if state == "succeeded" { break }
            try await Task.sleep(nanoseconds: 25_000_000)
        }
        #expect(state == "succeeded")
        #expect(PauseTests.lines("\(directory)/keys").filter { $0.hasPrefix(run) } == ["\(run)/slow 1", "\(run)/slow 2"], "the same key, the next attempt")
        let history = try await second.request(.GET, "/v1/runs/\(run)/history", token: token).items.compactMap { $0["text"] as? String }
        #expect(history.contains { $0.hasPrefix("slow was interrupted") }, "\(history)")
        let runs: [[String: Any]] = try await {
            for _ in 0..<200 {
                let items = try await second.request(.GET, "/v1/runs", token: token).items
                if items.count == 3 { return items }
                try await Task.sleep(nanoseconds: 25_000_000)
            }
            return []
        }()
        #expect(runs.filter { $0["created_by"] as? String == "hook:hr" }.count == 2,
                "the events recorded while no server ran were acted on at start, the killed server's claimed one too")
        #expect(second.output.contains("took over 1 hook event(s) claimed by \(killedServer), whose process is gone"), "\(second.output)")
    }
}
