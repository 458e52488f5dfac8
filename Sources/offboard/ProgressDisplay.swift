import Engine
import Foundation
import Playbook

/// Describes journal entries as one line each, for people.
enum JournalText {
    /// One line for `entry`; nil for bookkeeping entries unless `everything` (as `history` shows).
    static func describe(_ entry: JournalEntry, everything: Bool = false) -> String? {
        switch entry.event {
        case .runStarted: return "run started"
        case .stepExpanded(let step, let items):
            guard everything else { return nil }
            return items.map { "\(step) is ready, for \($0.count) item(s): \($0.map(\.id).joined(separator: ", "))" } ?? "\(step) is ready"
        case .stepCleared(let step): return everything ? "\(step) cleared for redrive" : nil
        case .cancelRequested(let reason, let by): return "cancel requested by \(by): \(reason)"
        case .redriven(let step, let by): return "redriven by \(by)\(step.map { " from \($0)" } ?? "")"
        case .runFinished(let state): return "run \(state.rawValue)"
        case .deadlineSet(let instance, let due): return everything ? "\(instance) is due by \(DateText.iso8601(due))" : nil
        case .deadlineMissed(let instance, let due): return "\(instance) missed its deadline (\(DateText.iso8601(due))) and is overdue"
        case .escalationAdded(let step, let item): return "\(step) escalates \(item.id)"
        case .reversalStarted(let steps, let by, let reason):
            return "reversal started by \(by) (\(reason)): undoing \(steps.joined(separator: ", ")), in that order"
        case .rescheduled(let changes, let by, let reason):
            let moved = changes.sorted { $0.key < $1.key }.map { "\($0.key) → \($0.value)" }.joined(separator: ", ")
            return "rescheduled by \(by): \(moved) (\(reason))"
        case .step(let instance, let event):
            let name = instance.description
            switch event {
            case .schedule(let date):
                if date.timeIntervalSince(entry.at) >= 1 { return "\(name) scheduled for \(DateText.iso8601(date))" }
                return everything ? "\(name) is due now" : nil
            case .skip(let reason): return "\(name) skipped: \(reason)"
            case .start(let attempt): return "\(name) started\(attempt > 1 ? " (attempt \(attempt))" : "")"
            case .succeed(_, let verification, let removal):
                return "\(name) succeeded" + (removal.map { "; \($0.sentence)" } ?? "") + (verification.map { "; verified: \($0.detail)" } ?? "")
            case .fail(let message, _, let retryAt):
                return "\(name) failed: \(message)" + (retryAt.map { "; retrying at \(DateText.iso8601($0))" } ?? "")
            case .interrupt: return "\(name) was interrupted (its process stopped, or an upgrade reopens it); running it again with the same idempotency key"
            case .suspend(let until) where until >= .distantFuture: return "\(name) waiting for a person"
            case .suspend(let until): return "\(name) waiting until \(DateText.iso8601(until))"
            case .fire: return "\(name) finished waiting"
            case .cancel(let reason): return "\(name) cancelled: \(reason)"
            case .reset: return "\(name) reset for redrive"
            case .reschedule(let date): return "\(name) rescheduled for \(DateText.iso8601(date))"
            case .openTask(let task): return "\(name) waiting for \(task.assignee): \(task.title)"
            case .complete(let completion): return "\(name) completed by \(completion.by)"
            case .approve(let by): return "\(name) approved by \(by)"
            case .reject(let by, let reason): return "\(name) rejected by \(by): \(reason)"
            }
        }
    }
}

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
                case .approve(let by): symbol = "◷ approved by \(by)"
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
