import Engine
import Foundation
import OffboardRuntime
import Playbook

/// Progress as plain lines on stderr (logs, pipes, CI).
final class LineProgress: RunObserver, @unchecked Sendable {
    // Safe to share: output is serialised by `lock`.
    private let lock = NSLock()
    let showRunID: Bool

    init(showRunID: Bool) { self.showRunID = showRunID }

    func recorded(runID: String, entries: [JournalEntry], state: RunState) {
        lock.withLock {
            for entry in entries {
                guard let text = JournalText.describe(entry) else { continue }
                Output.error("\(DateText.iso8601(entry.at)) \(showRunID ? "\(runID) " : "")\(text)")
            }
        }
    }
}

/// `offboard run`'s progress: a live table of steps on a terminal, plain lines otherwise.
final class ProgressDisplay: RunObserver, @unchecked Sendable {
    // Safe to share: all state is read and written under `lock`.
    private let lock = NSLock()
    private var rows: [(key: String, text: String)] = []
    private var drawnLines = 0
    private let live: Bool
    private let lines = LineProgress(showRunID: false)
    private let runID: String

    private init(runID: String, playbook: Playbook, live: Bool) {
        self.runID = runID
        self.live = live
        rows = playbook.steps.map { ($0.id, "○ \($0.id)") }
    }

    static func make(runID: String, playbook: Playbook) -> ProgressDisplay {
        let terminal = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
        return ProgressDisplay(runID: runID, playbook: playbook, live: terminal)
    }

    func begin() {
        Output.error("run \(runID)")
        if live { lock.withLock { redraw() } }
    }

    func end() {}

    func recorded(runID: String, entries: [JournalEntry], state: RunState) {
        guard live else { return lines.recorded(runID: runID, entries: entries, state: state) }
        lock.withLock {
            for entry in entries {
                guard case .step(let instance, let event) = entry.event else { continue }
                let symbol: String
                switch event {
                case .schedule(let date): symbol = date.timeIntervalSince(entry.at) >= 1 ? "◷ until \(DateText.iso8601(date))" : "·"
                case .start(let attempt): symbol = attempt > 1 ? "▶ attempt \(attempt)" : "▶"
                case .succeed, .fire: symbol = "✓"
                case .fail(let message, _, let retryAt): symbol = retryAt == nil ? "✗ \(message)" : "↻ \(message)"
                case .skip(let reason): symbol = "– \(reason)"
                case .cancel(let reason): symbol = "⊘ \(reason)"
                case .suspend(let until): symbol = until >= .distantFuture ? "◷ for a person" : "◷ until \(DateText.iso8601(until))"
                case .interrupt: symbol = "↻ interrupted"
                case .reset: symbol = "○"
                case .reschedule(let date): symbol = "◷ until \(DateText.iso8601(date))"
                case .openTask(let task): symbol = "◷ for \(task.assignee)"
                case .complete(let completion): symbol = "◷ completed by \(completion.by), awaiting approval"
                case .approve(let by, let approver): symbol = "◷ approved by \(StepEvent.signer(by, for: approver))"
                case .reject(let by, _): symbol = "✗ rejected by \(by)"
                }
                let key = instance.description
                let text = "\(symbol.first.map(String.init) ?? "") \(key)\(symbol.count > 1 ? "  \(symbol.dropFirst(2))" : "")"
                if let index = rows.firstIndex(where: { $0.key == key }) {
                    rows[index].text = text
                } else if let index = rows.firstIndex(where: { $0.key == instance.step }) {
                    rows[index] = (key, text)
                } else {
                    let after = rows.lastIndex { $0.key.hasPrefix(instance.step + "/") } ?? rows.count - 1
                    rows.insert((key, text), at: min(rows.count, after + 1))
                }
            }
            redraw()
        }
    }

    /// Rewrites the table in place (cursor up, clear each line).
    private func redraw() {
        var text = drawnLines > 0 ? "\u{1B}[\(drawnLines)A" : ""
        // Row texts come from outside (step errors, names): escaped, so only our own sequences move the cursor.
        for row in rows { text += "\u{1B}[2K  \(SafeText.terminal(row.text))\n" }
        FileHandle.standardError.write(Data(text.utf8))
        drawnLines = rows.count
    }
}

/// Calls `handler` once on SIGINT or SIGTERM (a graceful stop).
final class SignalWatcher: @unchecked Sendable {
    // Safe to share: the sources are created once in `init` and only cancelled in `stop`.
    private let sources: [any DispatchSourceSignal]

    init(_ handler: @escaping @Sendable () -> Void) {
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }

    func stop() { sources.forEach { $0.cancel() } }
}
