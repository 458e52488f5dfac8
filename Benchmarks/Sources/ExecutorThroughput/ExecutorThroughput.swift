import ArgumentParser
import Engine
import Foundation
import Handlers
import Logging
import Playbook
import SQLiteStore

/// Drives N runs of a playbook of `log` steps on the embedded SQLite store and compares the
/// executor's step transitions per second with raw durable single-row commits per second,
/// measured in the same process on the same file and settings.
@main
struct ExecutorThroughput: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "executor-throughput",
        abstract: "Executor throughput on SQLite against the raw durable commit rate.",
        discussion: """
            Starts --runs runs of a generated playbook whose --steps `log` steps form a chain (each needs \
            the one before), drives them with one worker (--concurrency runs at once), and measures raw \
            single-row commits (each its own durable transaction) on the same database before and after. \
            The ratio compares against the faster of the two raw measurements. Exits 1 if a run did not \
            succeed.

            Example (the issue's target: 10,000 runs in under 60 s, ratio at least 0.5, peak RSS under 300 MiB):
              swift run -c release executor-throughput --runs 10000
            """
    )

    @Option(help: "Runs to start and drive.")
    var runs = 10_000

    @Option(help: "`log` steps per run.")
    var steps = 10

    @Option(help: "Runs one worker drives at once.")
    var concurrency = 64

    @Option(help: "Raw single-row commits timed before and after the executor phase.")
    var rawCommits = 3_000

    @Option(help: "Directory for the database file (default: a new temporary directory, removed afterwards).")
    var directory: String?

    @Option(help: "text or json.")
    var format: Format = .text

    enum Format: String, ExpressibleByArgument { case text, json }

    func run() async throws {
        let workDirectory = directory ?? NSTemporaryDirectory() + "offboard-throughput-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: workDirectory) } }
        let databasePath = workDirectory + "/throughput.sqlite"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: databasePath + suffix) }

        let store = try SQLiteRunStore(path: databasePath)
        let progress = ProgressLine(enabled: format == .text && isatty(STDERR_FILENO) == 1)

        progress.show("raw commits (before)…")
        let rawBefore = try await store.measureRawCommits(count: rawCommits)

        let registry = BuiltInHandlers.registry()
        let playbook = try loadPlaybook(in: workDirectory, registry: registry)
        let starter = RunStarter(store: store)
        let clock = ContinuousClock()
        let startBegan = clock.now
        for index in 0..<runs {
            let inputs = try InputBinder.bind(playbook, record: nil, overrides: [(name: "employee_id", value: "e\(index)")])
            _ = try await starter.start(playbook, inputs: inputs, key: "throughput-\(index)", by: "benchmark")
            if index % 500 == 0 { progress.show("starting runs \(index)/\(runs)") }
        }
        let startElapsed = clock.now - startBegan

        let counter = TransitionCounter(totalRuns: runs, progress: progress)
        let worker = Worker(store: store, registry: registry,
                            configuration: WorkerConfiguration(concurrency: concurrency, maxParallelPerRun: 1, pollInterval: 0.05),
                            observer: counter, logger: Logger(label: "offboard.benchmark") { _ in SwiftLogNoOpLogHandler() })
        let driveBegan = clock.now
        let report = try await worker.run(untilIdle: true)
        let driveElapsed = clock.now - driveBegan

        progress.show("raw commits (after)…")
        let rawAfter = try await store.measureRawCommits(count: rawCommits)
        progress.clear()

        let succeeded = report.finished.values.filter { $0 == .succeeded }.count
        let counts = counter.counts
        let result = Measurement(
            runs: runs, stepsPerRun: steps, concurrency: concurrency, succeededRuns: succeeded,
            stepTransitions: counts.stepTransitions, journalEntries: counts.entries, appends: counts.appends,
            startSeconds: startElapsed.seconds, driveSeconds: driveElapsed.seconds,
            rawCommits: rawCommits, rawBeforeSeconds: rawBefore.seconds, rawAfterSeconds: rawAfter.seconds,
            peakRSSMiB: peakResidentMiB())
        switch format {
        case .text: print(result.text)
        case .json: print(result.json)
        }
        if succeeded != runs { throw ExitCode.failure }
    }

    /// Writes and loads the chain of `log` steps through the real loader.
    func loadPlaybook(in directory: String, registry: HandlerRegistry) throws -> Playbook {
        var yaml = """
            playbook: throughput
            version: 1
            inputs:
              employee_id: { type: string, required: true }
            steps:

            """
        for step in 1...max(1, steps) {
            let needs = step == 1 ? "" : ", needs: [s\(step - 1)]"
            yaml += "  - { id: s\(step), uses: log\(needs), with: { message: \"step \(step) for {{ inputs.employee_id }}\" } }\n"
        }
        let path = directory + "/throughput.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = PlaybookLoader(catalog: registry).load(path: path)
        guard let playbook = loaded.playbook else {
            FileHandle.standardError.write(Data((loaded.diagnostics.map(\.description).joined(separator: "\n") + "\n").utf8))
            throw ExitCode.failure
        }
        return playbook
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Peak resident set size of this process so far.
func peakResidentMiB() -> Double {
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
    #else
    getrusage(RUSAGE_SELF, &usage)
    return Double(usage.ru_maxrss) / 1024 / 1024  // bytes on macOS
    #endif
}
