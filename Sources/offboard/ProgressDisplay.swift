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
///
/// The table is drawn once, then only the rows that changed are rewritten in place (rows added by a fan-out redraw
/// the table from the first one added), so a step's cost on a terminal does not grow with the run. A table taller
/// than the terminal cannot be rewritten in place (the cursor cannot reach rows scrolled off): from then on each
/// change is printed as a line instead.
final class ProgressDisplay: RunObserver, @unchecked Sendable {
    // Safe to share: all state is read and written under `lock`.
    private let lock = NSLock()
    private var rows: [(key: String, text: String)] = []
    /// Row key → its place in `rows`; rebuilt when rows are inserted.
    private var rowIndex: [String: Int] = [:]
    private var drawnLines = 0
    private var live: Bool
    private let lines = LineProgress(showRunID: false)
    private let runID: String
    private let terminalSize: (rows: Int, columns: Int)?

    private init(runID: String, playbook: Playbook, live: Bool) {
        self.runID = runID
        self.live = live
        rows = playbook.steps.map { ($0.id, "○ \($0.id)") }
        let size = live ? Self.readTerminalSize() : nil
        terminalSize = size
        // A table taller than the terminal cannot be rewritten in place.
        if let size, rows.count >= size.rows { self.live = false }
        reindex()
    }

    static func make(runID: String, playbook: Playbook) -> ProgressDisplay {
        let terminal = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
        return ProgressDisplay(runID: runID, playbook: playbook, live: terminal)
    }

    func begin() {
        Output.error("run \(runID)")
        if live { lock.withLock { redraw(from: 0, changed: []) } }
    }

    func end() {}

    func recorded(runID: String, entries: [JournalEntry], state: RunState) {
        guard lock.withLock({ live }) else { return lines.recorded(runID: runID, entries: entries, state: state) }
        lock.withLock {
            var changed: Set<Int> = []
            var firstInserted: Int?
            for entry in entries {
                guard case .step(let instance, let event) = entry.event else { continue }
                let key = instance.description
                let text = Self.row(key, symbol: Self.symbol(event, at: entry.at))
                if let index = rowIndex[key] {
                    rows[index].text = text
                    changed.insert(index)
                } else if let index = rowIndex[instance.step] {
                    rows[index] = (key, text)
                    rowIndex[instance.step] = nil
                    rowIndex[key] = index
                    changed.insert(index)
                } else {
                    let after = rows.lastIndex { $0.key.hasPrefix(instance.step + "/") } ?? rows.count - 1
                    let at = min(rows.count, after + 1)
                    rows.insert((key, text), at: at)
                    firstInserted = min(firstInserted ?? at, at)
                    reindex()
                }
            }
            if let size = terminalSize, rows.count >= size.rows {
                // Too tall to rewrite in place: lines from here on.
                live = false
                lines.recorded(runID: runID, entries: entries, state: state)
                return
            }
            redraw(from: firstInserted, changed: changed)
        }
    }

    private func reindex() {
        rowIndex = Dictionary(rows.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    private static func symbol(_ event: StepEvent, at: Date) -> String {
        switch event {
        case .schedule(let date): return date.timeIntervalSince(at) >= 1 ? "◷ until \(DateText.iso8601(date))" : "·"
        case .start(let attempt): return attempt > 1 ? "▶ attempt \(attempt)" : "▶"
        case .succeed, .fire: return "✓"
        case .fail(let message, _, let retryAt): return retryAt == nil ? "✗ \(message)" : "↻ \(message)"
        case .skip(let reason): return "– \(reason)"
        case .cancel(let reason): return "⊘ \(reason)"
        case .suspend(let until): return until >= .distantFuture ? "◷ for a person" : "◷ until \(DateText.iso8601(until))"
        case .interrupt: return "↻ interrupted"
        case .reset: return "○"
        case .reschedule(let date): return "◷ until \(DateText.iso8601(date))"
        case .openTask(let task): return "◷ for \(task.assignee)"
        case .complete(let completion): return "◷ completed by \(completion.by), awaiting approval"
        case .approve(let by, let approver): return "◷ approved by \(StepEvent.signer(by, for: approver))"
        case .reject(let by, _): return "✗ rejected by \(by)"
        }
    }

    private static func row(_ key: String, symbol: String) -> String {
        "\(symbol.first.map(String.init) ?? "") \(key)\(symbol.count > 1 ? "  \(symbol.dropFirst(2))" : "")"
    }

    /// Rewrites the rows from `first` to the end (rows were added there), or else only the `changed` rows, in place.
    /// The cursor rests on the line below the table.
    private func redraw(from first: Int?, changed: Set<Int>) {
        var text = ""
        if let first = first.map({ min($0, drawnLines) }) {
            if drawnLines - first > 0 { text += "\u{1B}[\(drawnLines - first)A" }
            for row in rows[first...] { text += "\u{1B}[2K  \(fitted(row.text))\n" }
            drawnLines = rows.count
        } else {
            for index in changed.sorted() where index < drawnLines {
                let up = drawnLines - index
                text += "\u{1B}[\(up)A\r\u{1B}[2K  \(fitted(rows[index].text))\r\u{1B}[\(up)B"
            }
        }
        if !text.isEmpty { FileHandle.standardError.write(Data(text.utf8)) }
    }

    /// A row's text made safe (text from outside: step errors, names) and cut to the terminal's width, so a long
    /// error never wraps onto the next row.
    private func fitted(_ text: String) -> String {
        let safe = SafeText.terminal(text)
        guard let columns = terminalSize?.columns, columns > 4, safe.count > columns - 3 else { return safe }
        return String(safe.prefix(columns - 4)) + "…"
    }

    private static func readTerminalSize() -> (rows: Int, columns: Int)? {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0, size.ws_col > 0 else { return nil }
        return (Int(size.ws_row), Int(size.ws_col))
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
