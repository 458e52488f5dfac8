import Engine
import Foundation
import Handlers
import Playbook
import SQLiteStore
import Testing

/// The executor end to end on a real SQLite file, with real child processes.
@Suite struct ExecutorTests {
    /// A directory with the playbook, a database, and room for side-effect files.
    struct Setup {
        let directory: String
        let store: SQLiteRunStore
        let playbook: Playbook

        init(_ yaml: String, registry: HandlerRegistry = BuiltInHandlers.registry()) throws {
            directory = NSTemporaryDirectory() + "offboard-executor-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try yaml.replacingOccurrences(of: "DIR", with: directory).write(toFile: "\(directory)/playbook.yaml", atomically: true, encoding: .utf8)
            let result = PlaybookLoader(catalog: registry).load(path: "\(directory)/playbook.yaml")
            guard let playbook = result.playbook else { throw DiagnosticsError(result.diagnostics) }
            self.playbook = playbook
            store = try SQLiteRunStore(path: "\(directory)/runs.sqlite")
        }

        func start(_ set: [(String, String)] = [], clock: any EngineClock = SystemClock()) async throws -> String {
            let inputs = try InputBinder.bind(playbook, record: nil, overrides: set.map { (name: $0.0, value: $0.1) })
            return try await RunStarter(store: store, clock: clock).start(playbook, inputs: inputs, key: nil, by: "test").id
        }

        func worker(clock: any EngineClock = SystemClock(), store: (any RunStore)? = nil) -> Worker {
            Worker(store: store ?? self.store, registry: BuiltInHandlers.registry(), clock: clock,
                   configuration: WorkerConfiguration(concurrency: 8, leaseDuration: 5, holdWindow: 5, requestPollInterval: 0.1, pollInterval: 0.1))
        }

        func report(_ id: String) async throws -> RunReport {
            let stored = try #require(try await store.loadRun(id))
            return try RunReport.make(stored, playbook: try PinnedPlaybooks(catalog: BuiltInHandlers.registry()).playbook(for: stored))
        }

        func lines(_ file: String) -> [String] {
            ((try? String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
    }

    /// True while `pid` exists and is not a zombie waiting to be reaped (waits up to a second).
    static func isRunning(_ pid: Int32) async -> Bool {
        for _ in 0..<50 {
            guard kill(pid, 0) == 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
            let state = stat.split(separator: ")").last?.split(separator: " ").first
            if state == "Z" || state == "X" { return false }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return true
    }

    @Test func commandsGetTheirContextAndOutputsFlowToLaterSteps() async throws {
        let setup = try Setup("""
            playbook: context
            version: 1
            inputs: { devices: { type: list, default: [] } }
            steps:
              - id: each
                uses: command
                for_each: inputs.devices
                with:
                  argv: [/bin/sh, -c, 'printf "{\\"key\\": \\"%s\\", \\"item\\": \\"%s\\", \\"attempt\\": %s, \\"step\\": \\"%s\\"}" "$OFFBOARD_IDEMPOTENCY_KEY" "$OFFBOARD_ITEM" "$OFFBOARD_ATTEMPT" "$OFFBOARD_STEP_ID"']
              - id: plain
                uses: command
                with: { argv: [/bin/echo, "not json; {{ inputs.devices[0] }}"] }
              - { id: use, uses: log, needs: [each], with: { message: "{{ steps.each.output.LT-1.key }}" } }
            """)
        let id = try await setup.start([("devices", #"["LT-1", "PH-2"]"#)])
        #expect(try await setup.worker().drive(runID: id) == .succeeded)
        let report = try await setup.report(id)
        let laptop = try #require(report.steps.first { $0.item == "LT-1" })
        #expect(laptop.output == .object(["key": .string("\(id)/each/LT-1"), "item": "LT-1", "attempt": 1, "step": "each"]))
        #expect(report.steps.first { $0.id == "plain" }?.output == .object(["exit_code": 0, "stdout": "not json; LT-1\n", "stderr": ""]))
        #expect(report.steps.first { $0.id == "use" }?.output == .object(["message": .string("\(id)/each/LT-1"), "level": "info"]))
    }

    @Test func aTimeoutKillsTheWholeProcessGroup() async throws {
        let setup = try Setup("""
            playbook: timeout
            version: 1
            steps:
              - id: hang
                uses: command
                timeout: 1s
                with: { argv: [/bin/sh, -c, 'sleep 60 & echo $! > DIR/grandchild.pid; wait'] }
            """)
        let id = try await setup.start()
        let started = Date()
        #expect(try await setup.worker().drive(runID: id) == .failed)
        #expect(Date().timeIntervalSince(started) < 10)
        let step = try #require(try await setup.report(id).steps.first)
        #expect(step.error == "timed out after 1s")
        let pid = try #require(Int32(setup.lines("grandchild.pid").first ?? ""))
        #expect(!(await Self.isRunning(pid)), "the grandchild \(pid) is still alive")
    }

    @Test func aRetryableFailureIsRetriedWithTheSameKey() async throws {
        let setup = try Setup("""
            playbook: flaky
            version: 1
            steps:
              - id: flaky
                uses: command
                retry: { attempts: 3, backoff: fixed, initial: 1s, max: 1s }
                with: { argv: [/bin/sh, -c, 'echo "$OFFBOARD_IDEMPOTENCY_KEY $OFFBOARD_ATTEMPT" >> DIR/calls; [ -f DIR/marker ] || { touch DIR/marker; echo "not yet" >&2; exit 75; }'] }
            """)
        let id = try await setup.start()
        #expect(try await setup.worker().drive(runID: id) == .succeeded)
        #expect(setup.lines("calls") == ["\(id)/flaky 1", "\(id)/flaky 2"])
        let history = try #require(try await setup.store.loadRun(id)).journal.map(\.event.typeName)
        #expect(history.filter { $0 == "step.fail" }.count == 1)
    }

    @Test func aWaitSurvivesARestartAndFiresOnTheInjectedClock() async throws {
        let setup = try Setup("""
            playbook: waiting
            version: 1
            steps:
              - { id: pause, uses: wait, with: { for: 2h } }
              - { id: after, uses: log, needs: [pause], with: { message: done } }
            """)
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let id = try await setup.start(clock: clock)
        #expect(try await setup.worker(clock: clock).drive(runID: id) == .waiting)
        // A new worker (as after a restart) finds nothing due until the clock reaches the wait's end.
        let restarted = setup.worker(clock: clock)
        #expect(try await restarted.run(untilIdle: true).runsDriven == 0)
        clock.advance(by: 7_199)
        #expect(try await restarted.run(untilIdle: true).runsDriven == 0)
        clock.advance(by: 1)
        #expect(try await restarted.run(untilIdle: true).finished == [id: .succeeded])
    }

    @Test func cancellingStopsARunningCommand() async throws {
        let setup = try Setup("""
            playbook: cancel
            version: 1
            steps:
              - { id: long, uses: command, with: { argv: [/bin/sh, -c, 'echo $$ > DIR/child.pid; exec sleep 60'] } }
              - { id: never, uses: log, needs: [long], with: { message: x } }
            """)
        let id = try await setup.start()
        let worker = setup.worker()
        let driving = Task { try await worker.drive(runID: id) }
        while setup.lines("child.pid").isEmpty { try await Task.sleep(nanoseconds: 20_000_000) }
        try await setup.store.addRequest(RunRequest(runID: id, kind: .cancel, reason: "resignation withdrawn", requestedBy: "hr", requestedAt: Date()))
        #expect(try await driving.value == .cancelled)
        let report = try await setup.report(id)
        #expect(report.steps.map(\.state) == ["cancelled", "cancelled"])
        #expect(report.steps[0].reason == "run cancelled: resignation withdrawn")
        let pid = try #require(Int32(setup.lines("child.pid").first ?? ""))
        #expect(!(await Self.isRunning(pid)))
    }

    @Test func aRedriveRunsTheFailedStepAgainAndKeepsWhatSucceeded() async throws {
        let setup = try Setup("""
            playbook: redrive
            version: 1
            steps:
              - { id: first, uses: command, with: { argv: [/bin/sh, -c, 'echo "$OFFBOARD_IDEMPOTENCY_KEY" >> DIR/first'] } }
              - id: second
                uses: command
                needs: [first]
                with: { argv: [/bin/sh, -c, 'echo "$OFFBOARD_IDEMPOTENCY_KEY" >> DIR/second; [ -f DIR/fixed ]'] }
              - { id: third, uses: log, needs: [second], with: { message: done } }
            """)
        let id = try await setup.start()
        #expect(try await setup.worker().drive(runID: id) == .failed)
        #expect(try await setup.report(id).steps.map(\.state) == ["succeeded", "failed", "cancelled"])
        _ = FileManager.default.createFile(atPath: "\(setup.directory)/fixed", contents: nil)
        try await setup.store.addRequest(RunRequest(runID: id, kind: .redrive, requestedBy: "ops", requestedAt: Date()))
        #expect(try await setup.worker().drive(runID: id) == .succeeded)
        #expect(setup.lines("first") == ["\(id)/first"])
        #expect(setup.lines("second") == ["\(id)/second", "\(id)/second"])
    }

    @Test func aRunKeepsThePlaybookItStartedWith() async throws {
        let setup = try Setup("playbook: pinned\nversion: 1\nsteps:\n  - { id: say, uses: log, with: { message: original } }\n")
        let id = try await setup.start()
        try "playbook: pinned\nversion: 2\nsteps:\n  - { id: say, uses: log, with: { message: edited } }\n"
            .write(toFile: "\(setup.directory)/playbook.yaml", atomically: true, encoding: .utf8)
        #expect(try await setup.worker().drive(runID: id) == .succeeded)
        let report = try await setup.report(id)
        #expect(report.playbook.version == 1 && report.playbook.sha256 == setup.playbook.sha256)
        #expect(report.steps[0].output == .object(["message": "original", "level": "info"]))
    }

    @Test func twoWorkersOnOneDatabaseNeverRunAStepTwice() async throws {
        let setup = try Setup("""
            playbook: shared
            version: 1
            steps:
              - { id: a, uses: command, with: { argv: [/bin/sh, -c, 'echo "$OFFBOARD_IDEMPOTENCY_KEY" >> DIR/effects'] } }
              - { id: b, uses: command, needs: [a], with: { argv: [/bin/sh, -c, 'echo "$OFFBOARD_IDEMPOTENCY_KEY" >> DIR/effects'] } }
              - { id: c, uses: command, needs: [a], with: { argv: [/bin/sh, -c, 'echo "$OFFBOARD_IDEMPOTENCY_KEY" >> DIR/effects'] } }
            """)
        var ids: [String] = []
        for _ in 0..<24 { ids.append(try await setup.start()) }
        let other = try SQLiteRunStore(path: "\(setup.directory)/runs.sqlite")
        async let one = setup.worker().run(untilIdle: true)
        async let two = setup.worker(store: other).run(untilIdle: true)
        let reports = try await [one, two]
        #expect(reports.map(\.finished.count).reduce(0, +) == 24)
        #expect(reports.allSatisfy { $0.runsDriven > 0 }, "both workers took part: \(reports.map(\.runsDriven))")
        let effects = setup.lines("effects")
        #expect(effects.count == 72)
        #expect(Set(effects).count == 72)
        for id in ids { #expect(try await setup.store.summary(of: id)?.state == .succeeded) }
    }
}
