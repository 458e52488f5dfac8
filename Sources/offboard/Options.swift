import ArgumentParser
import Foundation
import OffboardRuntime
import Logging
import Playbook

/// Where playbooks live and the limits the YAML loader enforces.
struct PlaybookOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Directory of named playbooks (default: env OFFBOARD_WORKFLOWS, else ./Workflows).", valueName: "dir"))
    var workflows: String?

    @Option(name: .customLong("max-file-size"), help: "Largest playbook file accepted, in bytes.")
    var maxFileSize: Int = YAMLLimits.default.maxFileBytes

    @Option(name: .customLong("max-depth"), help: "Deepest nesting of YAML mappings and lists.")
    var maxDepth: Int = YAMLLimits.default.maxDepth

    @Option(name: .customLong("max-alias-nodes"), help: "Most nodes YAML aliases may stand for in total.")
    var maxAliasNodes: Int = YAMLLimits.default.maxAliasExpansion

    @Option(name: .customLong("max-nodes"), help: "Most YAML nodes in one file.")
    var maxNodes: Int = YAMLLimits.default.maxNodes

    func validate() throws {
        for (name, value) in [("--max-file-size", maxFileSize), ("--max-depth", maxDepth), ("--max-alias-nodes", maxAliasNodes), ("--max-nodes", maxNodes)] where value < 0 {
            throw ValidationError("\(name) must not be negative")
        }
    }

    var workflowsDirectory: String {
        workflows ?? ProcessInfo.processInfo.environment["OFFBOARD_WORKFLOWS"] ?? "Workflows"
    }

    var limits: YAMLLimits {
        YAMLLimits(maxFileBytes: maxFileSize, maxDepth: maxDepth, maxAliasExpansion: maxAliasNodes, maxNodes: maxNodes)
    }

    func loader() throws -> PlaybookLoader {
        PlaybookLoader(catalog: try HandlerSetup.registryOrExit(), limits: limits, root: URL(fileURLWithPath: workflowsDirectory))
    }

    /// Finds and loads a playbook, printing diagnostics and exiting on failure.
    func loadOrExit(_ reference: String) throws -> (Playbook, PlaybookLoader.Result) {
        let path: String
        do {
            path = try PlaybookLocator(workflowsDirectory: workflowsDirectory).path(for: reference)
        } catch {
            Output.error("error: \(error.description)")
            throw ExitCodes.notFound
        }
        let result = try loader().load(path: path)
        Output.printDiagnostics(result.diagnostics)
        guard let playbook = result.playbook else { throw ExitCodes.invalid }
        return (playbook, result)
    }
}

/// Output formats for commands that print something a machine may read.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Writing to stdout and stderr.
enum Output {
    /// A line (or lines) for a person on stderr; control characters from outside are shown escaped.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((safe(text) + "\n").utf8))
    }

    /// Text for a person on stdout, each line escaped (`SafeText.terminal`): an input, a name, a handler's
    /// error or an evidence value can never move the cursor, recolour the terminal or reorder the line.
    static func text(_ text: String, terminator: String = "\n") {
        print(safe(text), terminator: terminator)
    }

    static func safe(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { SafeText.terminal(String($0)) }.joined(separator: "\n")
    }

    static func printDiagnostics(_ diagnostics: [Diagnostic]) {
        for diagnostic in diagnostics { error(diagnostic.description) }
    }

    static func json(_ value: some Encodable) {
        print(jsonText(value))
    }

    /// Pretty, key-sorted JSON with ISO 8601 dates (milliseconds), as every `--format json` writes.
    static func jsonText(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(DateText.iso8601(date, fractionalSeconds: true))
        }
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// Logging for commands that execute steps: to stderr, never stdout (which carries results).
enum Logs {
    static func bootstrap(level: Logger.Level) {
        let clock = CommandClock.current
        LoggingSystem.bootstrap { label in TerminalLogHandler(label: label, level: level, clock: clock) }
    }

    /// A logger of notices and worse to stderr, for a command that did not bootstrap logging.
    static func plain(label: String) -> Logger {
        let clock = CommandClock.current
        return Logger(label: label) { TerminalLogHandler(label: $0, level: .notice, clock: clock) }
    }
}

/// One line per event on stderr: `TIME LEVEL label: message key=value…`, the time from the engine's clock (so
/// `OFFBOARD_NOW` moves it like the progress lines), and everything from outside escaped (`SafeText.terminal`).
struct TerminalLogHandler: Logging.LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    let clock: any EngineClock

    init(label: String, level: Logger.Level, clock: any EngineClock) {
        self.label = label
        logLevel = level
        self.clock = clock
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let line = "\(DateText.iso8601(clock.now())) \(event.level) \(label): \(event.message)" + (fields.isEmpty ? "" : " [\(fields)]")
        FileHandle.standardError.write(Data((SafeText.terminal(line) + "\n").utf8))
    }
}

/// The runtime's rules for what a person types, worded for the command line: a reason by `RequestReason`, `name=value`
/// words by `NameValuePairs`. Either refusal is a usage error (exit 64, with the usage), like any other argument
/// refused before anything runs; call them from `validate()`.
enum CommandInput {
    /// Checks `--reason` (call from `validate()`).
    static func checkReason(_ text: String?) throws {
        if case .failure(let refusal) = RequestReason.checked(text) { throw ValidationError(refusal.sentence(naming: "--reason")) }
    }

    /// The `name=value` words of `option` (`--set`, `--evidence`), or a usage error naming what is wrong (never the word).
    static func pairs(_ words: [String], option: String) throws -> [(name: String, value: String)] {
        switch NameValuePairs.parse(words, field: option) {
        case .success(let pairs): return pairs
        case .failure(let refusal):
            throw ValidationError(refusal.code == .givenTwice ? "\(option) \(refusal.field) is given twice" : refusal.sentence(naming: option))
        }
    }
}
