import Engine
import Foundation

/// Counts what the worker journals, and shows how many runs have finished.
final class TransitionCounter: RunObserver, @unchecked Sendable {
    // Safe to share: every access to the counters holds `lock`.
    private let lock = NSLock()
    private var stepTransitions = 0
    private var entries = 0
    private var appends = 0
    private var finishedRuns = 0
    private let totalRuns: Int
    private let progress: ProgressLine

    init(totalRuns: Int, progress: ProgressLine) {
        self.totalRuns = totalRuns
        self.progress = progress
    }

    var counts: (stepTransitions: Int, entries: Int, appends: Int) { lock.withLock { (stepTransitions, entries, appends) } }

    func recorded(runID: String, entries batch: [JournalEntry], state: RunState) {
        let transitions = batch.filter { $0.event.instance != nil }.count
        let finished = batch.contains { if case .runFinished = $0.event { return true } else { return false } }
        let done: Int? = lock.withLock {
            stepTransitions += transitions
            entries += batch.count
            appends += 1
            guard finished else { return nil }
            finishedRuns += 1
            return finishedRuns
        }
        if let done, done % 250 == 0 || done == totalRuns { progress.show("driving: \(done)/\(totalRuns) runs finished") }
    }
}

/// One line of progress on a terminal's stderr, rewritten in place.
final class ProgressLine: Sendable {
    let enabled: Bool

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(text)".utf8))
    }

    func clear() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}

/// The figures of one benchmark run.
struct Measurement: Encodable {
    var runs: Int
    var stepsPerRun: Int
    var concurrency: Int
    var succeededRuns: Int
    var stepTransitions: Int
    var journalEntries: Int
    var appends: Int
    var startSeconds: Double
    var driveSeconds: Double
    var rawCommits: Int
    var rawBeforeSeconds: Double
    var rawAfterSeconds: Double
    var peakRSSMiB: Double

    var rawRateBefore: Double { Double(rawCommits) / rawBeforeSeconds }
    var rawRateAfter: Double { Double(rawCommits) / rawAfterSeconds }
    /// The faster raw measurement: the ratio is never flattered by a disk that slowed down.
    var rawRate: Double { max(rawRateBefore, rawRateAfter) }
    var transitionRate: Double { Double(stepTransitions) / driveSeconds }
    var ratio: Double { transitionRate / rawRate }
    var totalSeconds: Double { startSeconds + driveSeconds }

    var text: String {
        func f(_ value: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", value) }
        return """
            runs                      \(runs) × \(stepsPerRun) log steps (concurrency \(concurrency)); \(succeededRuns) succeeded
            start                     \(f(startSeconds, 2)) s (\(f(Double(runs) / startSeconds)) runs/s, one durable commit each)
            drive                     \(f(driveSeconds, 2)) s; \(stepTransitions) step transitions, \(journalEntries) journal entries in \(appends) appends
            step transitions/s        \(f(transitionRate))
            raw durable commits/s     \(f(rawRateBefore)) before, \(f(rawRateAfter)) after (\(rawCommits) single-row commits each)
            ratio                     \(f(ratio, 2)) (step transitions/s ÷ the faster raw rate; target ≥ 0.5)
            start + drive             \(f(totalSeconds, 1)) s (target < 60 s)
            peak RSS                  \(f(peakRSSMiB)) MiB (target < 300 MiB)
            """
    }

    var json: String {
        struct Output: Encodable {
            let measurement: Measurement
            let rawRatePerSecond, transitionsPerSecond, ratio, totalSeconds: Double
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let output = Output(measurement: self, rawRatePerSecond: rawRate, transitionsPerSecond: transitionRate, ratio: ratio, totalSeconds: totalSeconds)
        return String(decoding: (try? encoder.encode(output)) ?? Data(), as: UTF8.self)
    }
}
