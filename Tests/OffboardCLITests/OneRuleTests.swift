import Foundation
import NIOHTTP1
import TestServerSupport
import Testing

/// Each rule the command line, the API and the console share is the runtime's, and gives the same answer through
/// each: who may reverse which run, what `now` means in a reschedule, what a reason must be, how a `name=value`
/// word is read.
@Suite struct OneRuleTests {
    static let playbook = """
        playbook: undoable
        version: 1
        inputs:
          employee_id: { type: string, required: true }
          leave_at: { type: datetime, required: true }
        steps:
          - id: disable
            uses: log
            with: { message: "disable {{ inputs.employee_id }}" }
            compensate: { uses: log, with: { message: "restore {{ inputs.employee_id }}" } }
          - id: later
            uses: task
            needs: [disable]
            at: "{{ inputs.leave_at }}"
            with: { assignee: it, title: "Collect the laptop of {{ inputs.employee_id }}" }
        """
    static let now = "2030-01-01T09:00:00Z"

    struct World {
        let server: ServeProcess
        let hr: String
        let ops: String
        let directory: String

        func start(_ employee: String) async throws -> String {
            let started = try await server.request(.POST, "/v1/runs", token: hr,
                                                   json: ["playbook": "undoable", "inputs": ["employee_id": employee, "leave_at": "2030-02-01T17:00:00Z"]])
            try #require(started.status == 201, "\(started.text)")
            let run = try #require(started.json["id"] as? String)
            let waiting = try await eventually { try await state(run) == "waiting" }
            try #require(waiting, "the run waits for its leave time")
            return run
        }

        func state(_ run: String) async throws -> String? { try await server.request(.GET, "/v1/runs/\(run)", token: ops).json["state"] as? String }

        func cli(_ arguments: [String]) async throws -> CLI.Outcome {
            try await CLI.running(arguments, environment: server.environment.merging(["OFFBOARD_NOW": OneRuleTests.now]) { $1 })
        }

        func console(_ path: String, as token: String) async throws -> String {
            let (cookie, _) = try await ConsoleTests.signIn(server, token: token)
            return try await server.request(.GET, path, headers: ["Cookie": cookie]).text
        }

        func post(_ path: String, form: [String: String], as token: String) async throws -> ServeProcess.Answer {
            let (cookie, formToken) = try await ConsoleTests.signIn(server, token: token)
            let body = (["form_token": formToken].merging(form) { $1 }).map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }
                .joined(separator: "&")
            return try await server.request(.POST, path, body: Data(body.utf8), headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
                                                                                      "Origin": "http://127.0.0.1:\(server.port)"], followRedirects: false)
        }
    }

    func world() async throws -> World {
        let files = try ServeProcess.workflows(["undoable.yaml": Self.playbook], prefix: "offboard-rules")
        let server = try await ServeProcess(environment: files.environment.merging(["OFFBOARD_NOW": Self.now]) { $1 }, directory: files.directory)
        return World(server: server, hr: try await server.token(role: "hr", name: "hr"), ops: try await server.token(role: "operator", name: "ops"),
                     directory: files.directory)
    }

    /// The core reverses any finished run once: a cancelled one too. The console offers it to an operator (and not to
    /// HR) exactly when the API accepts it, and the command line does it.
    @Test(.timeLimit(.minutes(3)))
    func aCancelledRunIsReversedThroughEveryFrontEnd() async throws {
        let world = try await world()
        defer { world.server.stop() }
        var runs: [String] = []
        for employee in ["E1", "E2"] {
            let run = try await world.start(employee)
            let cancelled = try await world.server.request(.POST, "/v1/runs/\(run)/cancel", token: world.hr, json: ["reason": "withdrawn"])
            #expect(cancelled.status == 200, "\(cancelled.text)")
            #expect(try await world.state(run) == "cancelled")
            runs.append(run)
        }
        let page = try await world.console("/console/runs/\(runs[0])", as: world.ops)
        #expect(page.contains("/console/runs/\(runs[0])/reverse"), "the console offers an operator the reversal of a cancelled run")
        #expect(!page.contains("Cancel the run"), "nor the cancel of a finished one")
        #expect(!(try await world.console("/console/runs/\(runs[0])", as: world.hr)).contains("/reverse\""), "HR may not reverse")
        let hrAsked = try await world.server.request(.POST, "/v1/runs/\(runs[0])/reverse", token: world.hr, json: ["reason": "rehired"])
        #expect(hrAsked.status == 403)

        let reversed = try await world.server.request(.POST, "/v1/runs/\(runs[0])/reverse", token: world.ops, json: ["reason": "rehired"])
        #expect([200, 202].contains(reversed.status), "\(reversed.text)")
        #expect(try await eventually { try await world.state(runs[0]) == "reversed" })
        let again = try await world.console("/console/runs/\(runs[0])", as: world.ops)
        #expect(!again.contains("/console/runs/\(runs[0])/reverse"), "a run is reversed once")

        let byCLI = try await world.cli(["reverse", runs[1], "--reason", "rehired", "--by", "ops"])
        // 0 once reversed here, or 3 when the server's worker took the request and is still running the compensation.
        #expect([0, 3].contains(byCLI.status), "\(byCLI.stderr)")
        #expect(try await eventually { try await world.state(runs[1]) == "reversed" })
    }

    /// An empty, blank or 2,001-character reason is refused by every front end, and nothing is recorded.
    @Test(.timeLimit(.minutes(3)))
    func aReasonIsOneToTwoThousandCharactersEverywhere() async throws {
        let world = try await world()
        defer { world.server.stop() }
        let run = try await world.start("E3")
        for reason in ["", "   ", String(repeating: "x", count: 2001)] {
            let api = try await world.server.request(.POST, "/v1/runs/\(run)/cancel", token: world.hr, json: ["reason": reason])
            #expect(api.status == 400, "\(api.text)")
            #expect(api.text.contains("'reason' must be 1–2000 characters"), "\(api.text)")
            let console = try await world.post("/console/runs/\(run)/cancel", form: ["reason": reason], as: world.hr)
            #expect(console.status == 422, "\(console.text)")
            #expect(console.text.contains("1–2000 characters"))
            let cli = try await world.cli(["cancel", run, "--reason", reason, "--by", "hr"])
            #expect(cli.status == 64, "\(cli.stderr)")
            #expect(cli.stderr.contains("--reason must be 1–2000 characters"), "\(cli.stderr)")
        }
        #expect(try await world.state(run) == "waiting", "nothing was cancelled")
        // A reason sent with a preview is held to the same rule (schemathesis found a blank one taken).
        let preview = try await world.server.request(.POST, "/v1/runs/\(run)/reverse", token: world.ops, json: ["reason": "", "dry_run": true])
        #expect(preview.status == 400, "\(preview.text)")
        let previewCLI = try await world.cli(["reverse", run, "--dry-run", "--reason", " ", "--by", "ops"])
        #expect(previewCLI.status == 64, "\(previewCLI.stderr)")
        // 2,000 characters is a reason.
        let longest = try await world.cli(["cancel", run, "--reason", String(repeating: "y", count: 2000), "--by", "hr"])
        #expect(longest.status == 0, "\(longest.stderr)")
    }

    /// `now` in a reschedule is the moment of the request, by the clock the front end runs on, whichever front end.
    @Test(.timeLimit(.minutes(3)))
    func nowInARescheduleIsTheMomentOfTheRequestEverywhere() async throws {
        let world = try await world()
        defer { world.server.stop() }
        let base = try #require(ISO8601DateFormatter().date(from: Self.now))
        func recordedLeaveTimes(_ run: String) async throws -> [Date] {
            let history = try await world.server.request(.GET, "/v1/runs/\(run)/history", token: world.ops).items
            // `run.rescheduled` entries: the event is {"rescheduled": {"changes": {...}, "by": ..., "reason": ...}}.
            return history.filter { $0["type"] as? String == "run.rescheduled" }
                .compactMap { (($0["event"] as? [String: Any])?["rescheduled"] as? [String: Any])?["changes"] as? [String: String] }
                .compactMap { $0["leave_at"] }.compactMap { ISO8601DateFormatter().date(from: $0) }
        }
        let viaAPI = try await world.start("E4")
        let api = try await world.server.request(.POST, "/v1/runs/\(viaAPI)/reschedule", token: world.hr,
                                                 json: ["set": ["leave_at": "now"], "reason": "dismissed", "allow_past": true])
        #expect([200, 202].contains(api.status), "\(api.text)")
        let viaConsole = try await world.start("E5")
        let console = try await world.post("/console/runs/\(viaConsole)/reschedule", form: ["input": "leave_at", "value": "now", "reason": "dismissed",
                                                                                          "allow_past": "on"], as: world.hr)
        #expect(console.status == 303, "\(console.text)")
        let viaCLI = try await world.start("E6")
        let cli = try await world.cli(["reschedule", viaCLI, "--set", "leave_at=now", "--reason", "dismissed", "--allow-past", "--by", "hr"])
        #expect(cli.status == 0, "\(cli.stderr)")
        for run in [viaAPI, viaConsole, viaCLI] {
            let times = try await recordedLeaveTimes(run)
            #expect(times.count == 1, "\(run): \(times)")
            // The shifted clock runs at real speed from the base: the request came a few seconds after it.
            #expect(times.allSatisfy { $0 >= base && $0.timeIntervalSince(base) < 120 }, "\(run): \(times)")
        }
    }

    /// The run list's filters are one query: the command line, the API and the console select the same runs, and refuse
    /// the same unreadable filter (naming it, never repeating it).
    @Test(.timeLimit(.minutes(3)))
    func theRunListIsOneQueryEverywhere() async throws {
        let world = try await world()
        defer { world.server.stop() }
        let first = try await world.start("E8"), second = try await world.start("E9")
        func api(_ query: String) async throws -> [String] {
            try await world.server.request(.GET, "/v1/runs?\(query)", token: world.ops).items.compactMap { $0["id"] as? String }
        }
        func cli(_ arguments: [String]) async throws -> [String] {
            let outcome = try await world.cli(["list", "--format", "json"] + arguments)
            #expect(outcome.status == 0, "\(arguments): \(outcome.stderr)")
            let items = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [[String: Any]] ?? []
            return items.compactMap { $0["id"] as? String }
        }
        func console(_ query: String) async throws -> [String] {
            let page = try await world.console("/console/runs?\(query)", as: world.ops)
            return [first, second].filter { page.contains("/console/runs/\($0)\"") }.sorted { page.range(of: $0)!.lowerBound < page.range(of: $1)!.lowerBound }
        }
        let cases: [(query: String, arguments: [String], expected: [String])] = [
            ("", [], [second, first]),
            ("leaver=e8", ["--leaver", "e8"], [first]),
            ("state=waiting&playbook=undoable", ["--state", "waiting", "--playbook", "undoable"], [second, first]),
            ("playbook=other", ["--playbook", "other"], []),
            ("overdue=1", ["--overdue"], []),
            ("since=2030-01-01&until=2030-01-01", ["--since", "2030-01-01", "--until", "2030-01-01"], [second, first]),
            ("since=2030-01-02", ["--since", "2030-01-02"], []),
            ("until=2029-12-31", ["--until", "2029-12-31"], []),
        ]
        for (query, arguments, expected) in cases {
            #expect(try await api(query.replacingOccurrences(of: "overdue=1", with: "overdue=true")) == expected, "API \(query)")
            #expect(try await cli(arguments) == expected, "CLI \(arguments)")
            #expect(try await console(query) == expected, "console \(query)")
        }
        for bad in ["yesterday", "2030-02-30", "2030-01-01T09:00"] {
            let refused = try await world.server.request(.GET, "/v1/runs?since=\(bad)", token: world.ops)
            #expect(refused.status == 400 && refused.text.contains("'since' must be a date such as"), "\(refused.text)")
            let cli = try await world.cli(["list", "--since", bad])
            #expect(cli.status == 64 && cli.stderr.contains("--since must be a date such as"), "\(cli.stderr)")
            let page = try await world.console("/console/runs?since=\(bad)", as: world.ops)
            #expect(page.contains("Started from must be a date such as"), "\(page)")
            for text in [refused.text, cli.stderr] { #expect(!text.contains(bad), "never repeats the value: \(text)") }
        }
        // A state that is no state is refused by the API and the console alike (the CLI's parser knows only states); a
        // blank one is no state to the API, and the console's "any".
        for state in ["nonsense", ""] {
            let refused = try await world.server.request(.GET, "/v1/runs?state=\(state)", token: world.ops)
            #expect(refused.status == 400 && refused.text.contains("'state' must be one of"), "\(refused.text)")
        }
        #expect(try await world.console("/console/runs?state=nonsense", as: world.ops).contains("State must be one of"))
        #expect(try await console("state=") == [second, first])
    }

    /// A word that is not `name=value`, or a name given twice, is the same usage error (exit 64, never echoing the word)
    /// for every option that takes such words.
    @Test(.timeLimit(.minutes(2)))
    func aMalformedNameValueWordIsTheSameRefusalForEveryOption() async throws {
        let scratch = try RunCommandTests.Scratch()
        try scratch.write("undoable.yaml", Self.playbook)
        let run = try scratch.offboard(["run", "undoable.yaml", "--set", "employee_id=E7", "--set", "leave_at=2030-02-01T17:00:00Z"])
        let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let attempts: [[String]] = [
            ["plan", "undoable.yaml", "--set", "employee_id"],
            ["plan", "undoable.yaml", "--set", "=E7"],
            ["run", "undoable.yaml", "--set", "employee_id=E7", "--set", "employee_id=E8", "--set", "leave_at=2030-02-01T17:00:00Z"],
            ["reschedule", id, "--set", "leave_at", "--reason", "moved", "--by", "hr"],
            ["reschedule", id, "--set", "leave_at=now", "--set", "leave_at=now", "--reason", "moved", "--by", "hr"],
            ["complete", id, "later", "--by", "it", "--evidence", "asset_tag"],
            ["complete", id, "later", "--by", "it", "--evidence", "a=1", "--evidence", "a=2"],
        ]
        for arguments in attempts {
            let outcome = try scratch.offboard(arguments)
            #expect(outcome.status == 64, "\(arguments): \(outcome.stderr)")
            #expect(!outcome.stderr.contains("E8") && !outcome.stderr.contains("asset_tag'"), "\(arguments): \(outcome.stderr)")
            #expect(outcome.stderr.contains("must be name=value") || outcome.stderr.contains("is given twice"), "\(arguments): \(outcome.stderr)")
        }
    }
}
