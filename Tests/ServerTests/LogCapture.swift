import Foundation
import Logging
import Synchronization

/// What an in-process server logged, kept per server (the process's logging system is shared by every test running
/// at once), so a test can read its server's log as it would read `offboard serve`'s output.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    /// Everything logged so far, one event per line: `LEVEL label: message`.
    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    func contains(_ fragment: String) -> Bool { text.contains(fragment) }

    /// A log handler that appends to a capture, at every level from info up (what `offboard serve` prints).
    struct Handler: LogHandler {
        let label: String
        let capture: LogCapture
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let fields = metadata.merging(event.metadata ?? [:]) { $1 }.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
            let line = "\(event.level) \(label): \(event.message)" + (fields.isEmpty ? "" : " [\(fields)]")
            capture.lines.withLock { $0.append(line) }
        }
    }
}
