import ArgumentParser
import Engine
import Foundation
import Handlers
import Logging
import Playbook
import SQLiteStore

/// Measures whether a step's cost grows with the size of its run: one run of a short and one of a long chain of
/// `command: /bin/true` steps, and one run of a small and one of a large fan-out over the same step, each driven to
/// its end by one worker on the embedded SQLite store, in one process.
@main
struct StepScaling: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "step-scaling",
        abstract: "A step's cost in a small run against the same step's cost in a large one.",
        discussion: """
            Each case starts one run and drives it to its end with one worker (the defaults a user gets: 8 attempts \
            of one run at once), timing the drive. A chain's steps need the one before; a fan-out's items all \
            start at once and wait for the run's parallel slots. Prints the cost per step (or per item) of the \
            small and the large case and their ratio, the journal appends and the process's CPU time (a run that \
            woke again and again while its items waited for slots showed as CPU time well over its wall time's \
            share). Exits 1 if a run did not succeed.

            Example (issue 20's target: each ratio at most 1.3):
              .build/release/step-scaling --chain 100,2000 --fan-out 10,2000
            """
    )

    @Option(help: "Chain lengths to compare: SMALL,LARGE.")
    var chain = "100,2000"

    @Option(help: "Fan-out sizes to compare: SMALL,LARGE.")
    var fanOut = "10,2000"

    @Option(help: "Runs of each case; the median is reported.")
    var repeats = 1

    @Option(help: "text or json.")
    var format: Format = .text

    enum Format: String, ExpressibleByArgument { case text, json }

    struct Case: Encodable {
        var shape: String
        var size: Int
        var seconds: Double
        var millisecondsPerStep: Double
        var appends: Int
        var cpuSeconds: Double
    }

    func run() async throws {
        var cases: [Case] = []
        for (shape, sizes) in [("chain", chain), ("fan-out", fanOut)] {
            for size in sizes.split(separator: ",").compactMap({ Int($0) }) {
                var measured: [Case] = []
                for _ in 0..<max(1, repeats) { measured.append(try await measure(shape: shape, size: size)) }
                cases.append(measured.sorted { $0.seconds < $1.seconds }[measured.count / 2])
            }
        }
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(cases), as: UTF8.self))
        case .text:
            for item in cases {
                print(String(format: "%-8@ %5d  %8.2f s  %6.2f ms per step  %5d appends  %8.2f s CPU",
                             item.shape as NSString, item.size, item.seconds, item.millisecondsPerStep, item.appends, item.cpuSeconds))
            }
            for shape in ["chain", "fan-out"] {
                let pair = cases.filter { $0.shape == shape }
                guard let small = pair.first, let large = pair.last, pair.count == 2 else { continue }
                print(String(format: "%@: %d is %.2f× the per-step cost of %d", shape, large.size, large.millisecondsPerStep / small.millisecondsPerStep, small.size))
            }
        }
    }

    func measure(shape: String, size: Int) async throws -> Case {
        let directory = NSTemporaryDirectory() + "offboard-scaling-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteRunStore(path: directory + "/scaling.sqlite")
        let registry = BuiltInHandlers.registry()
        let playbook = try load(shape: shape, size: size, in: directory, registry: registry)
        let started = try await RunStarter(store: store).start(playbook, inputs: try InputBinder.bind(playbook, record: nil, overrides: []),
                                                              key: nil, by: "benchmark")
        let counter = AppendCounter()
        let worker = Worker(store: store, registry: registry, observer: counter,
                            logger: Logger(label: "offboard.benchmark") { _ in SwiftLogNoOpLogHandler() })
        let clock = ContinuousClock()
        let began = clock.now
        let cpuBefore = cpuSeconds()
        let state = try await worker.drive(runID: started.id)
        let elapsed = clock.now - began
        let cpu = cpuSeconds() - cpuBefore
        guard state == .succeeded else {
            FileHandle.standardError.write(Data("\(shape) \(size): run \(started.id) ended \(state?.rawValue ?? "held elsewhere")\n".utf8))
            throw ExitCode.failure
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Case(shape: shape, size: size, seconds: seconds, millisecondsPerStep: seconds * 1000 / Double(size),
                    appends: counter.appends, cpuSeconds: cpu)
    }

    /// A chain of `size` steps, or one step over a list of `size` items.
    func load(shape: String, size: Int, in directory: String, registry: HandlerRegistry) throws -> Playbook {
        var yaml = """
            playbook: scaling
            version: 1
            inputs:
              items: { type: list, default: [] }
            steps:

            """
        if shape == "chain" {
            for step in 1...size {
                let needs = step == 1 ? "" : ", needs: [s\(step - 1)]"
                yaml += "  - { id: s\(step), uses: command\(needs), with: { argv: [/bin/true] } }\n"
            }
        } else {
            yaml += "  - { id: each, uses: command, for_each: \"{{ inputs.items }}\", with: { argv: [/bin/true, \"{{ item }}\"] } }\n"
            yaml = yaml.replacingOccurrences(of: "default: []", with: "default: [\((1...size).map { "i\($0)" }.joined(separator: ", "))]")
        }
        let path = directory + "/scaling.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = PlaybookLoader(catalog: registry).load(path: path)
        guard let playbook = loaded.playbook else {
            FileHandle.standardError.write(Data((loaded.diagnostics.map(\.description).joined(separator: "\n") + "\n").utf8))
            throw ExitCode.failure
        }
        return playbook
    }
}

/// Counts the journal appends of the run.
final class AppendCounter: RunObserver, @unchecked Sendable {
    // Safe to share: `count` is only touched under `lock`.
    private let lock = NSLock()
    private var count = 0
    var appends: Int { lock.withLock { count } }
    func recorded(runID: String, entries: [JournalEntry], state: RunState) { lock.withLock { count += 1 } }
}

/// CPU time of this process so far (user and system); children (the `/bin/true` processes) are not counted.
func cpuSeconds() -> Double {
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
