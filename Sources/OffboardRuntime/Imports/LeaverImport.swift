import CSV
import Crypto
import Engine
import Foundation
import Playbook

/// A bulk file of leavers (CSV with a header row, or JSON Lines) for one playbook: every row is read and bound
/// before anything starts, each problem is reported with its row and column, and rows start idempotently (the
/// same row imported again finds the run it started).
public struct LeaverImport: Sendable {
    /// The formats read.
    public enum Format: String, Sendable, CaseIterable {
        case csv, jsonl

        /// The format a file name or media type says, or nil.
        public init?(name: String) {
            let lower = name.lowercased()
            if lower.hasSuffix(".csv") || lower.hasPrefix("text/csv") { self = .csv }
            else if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasPrefix("application/x-ndjson")
                        || lower.hasPrefix("application/jsonl") || lower.hasPrefix("application/x-jsonlines") { self = .jsonl }
            else { return nil }
        }
    }

    /// One row, read: where it is, and its record (nil when the row cannot be read, with why).
    public struct Row: Sendable {
        /// The row's number: the CSV record (the header is row 1) or the JSON Lines line.
        public var number: Int
        public var record: YAMLNode?
        /// The record as it was written, for the row's idempotency key.
        public var canonical: Data
        public var unreadable: String? = nil
    }

    /// What became of one row.
    public struct RowResult: Sendable, Encodable {
        public var row: Int
        /// `started`, `existing` (imported before), `planned` (dry run) or `invalid`.
        public var outcome: String
        public var run: String?
        public var problems: [LeaverRecord.Problem]
        public var plan: Plan?
    }

    /// The whole import: nothing starts unless every row is valid.
    public struct Report: Sendable, Encodable {
        public var playbook: String
        public var dryRun: Bool
        public var rows: [RowResult]
        /// A problem with the file as a whole (no header, not UTF-8), which stops everything.
        public var fileProblems: [LeaverRecord.Problem]

        public var valid: Bool { fileProblems.isEmpty && !rows.contains { $0.outcome == "invalid" } }

        enum CodingKeys: String, CodingKey {
            case playbook, rows, valid
            case dryRun = "dry_run", fileProblems = "file_problems"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(playbook, forKey: .playbook)
            try container.encode(dryRun, forKey: .dryRun)
            try container.encode(valid, forKey: .valid)
            try container.encode(rows, forKey: .rows)
            try container.encode(fileProblems, forKey: .fileProblems)
        }
    }

    /// Where rows start; nil for a dry run only.
    public let store: (any RunStore)?
    public let registry: HandlerRegistry
    public let clock: any EngineClock

    public init(store: (any RunStore)?, registry: HandlerRegistry, clock: any EngineClock) {
        self.store = store
        self.registry = registry
        self.clock = clock
    }

    /// Reads, binds and (unless `dryRun`, and only when every row is valid) starts every row of `bytes`.
    /// `concealingValues`: problems name fields and never echo the values (the API); the CLI shows them to the file's owner.
    public func run(_ bytes: [UInt8], format: Format, file: String, playbook: Playbook, by actor: String, dryRun: Bool,
                    concealingValues: Bool = true) async throws -> Report {
        let read = format == .csv ? Self.csvRows(bytes, file: file) : Self.jsonlRows(bytes, file: file)
        var report = Report(playbook: playbook.name, dryRun: dryRun, rows: [], fileProblems: read.problems)
        guard read.problems.isEmpty else { return report }
        let now = clock.now()
        var bound: [(Row, BoundInputs)] = []
        for row in read.rows {
            if let unreadable = row.unreadable {
                report.rows.append(RowResult(row: row.number, outcome: "invalid", run: nil, problems: [Self.problem(unreadable, row: row.number)], plan: nil))
                continue
            }
            do {
                bound.append((row, try LeaverRecord.bind(row.record, to: playbook, now: now)))
                report.rows.append(RowResult(row: row.number, outcome: dryRun ? "planned" : "valid", run: nil, problems: [], plan: nil))
            } catch {
                report.rows.append(RowResult(row: row.number, outcome: "invalid", run: nil,
                                             problems: LeaverRecord.problems(error.diagnostics, record: row.record, playbook: playbook,
                                                                              concealingValues: concealingValues), plan: nil))
            }
        }
        if read.rows.isEmpty {
            report.fileProblems.append(LeaverRecord.Problem(field: nil, line: nil, column: nil, severity: "error", message: "the file has no leaver rows"))
        }
        guard report.valid else {
            for index in report.rows.indices where report.rows[index].outcome != "invalid" { report.rows[index].outcome = "not started" }
            return report
        }
        for (index, (row, inputs)) in bound.enumerated() {
            if dryRun {
                report.rows[index].plan = await RunStarting.plan(playbook, inputs: inputs, now: now, registry: registry, liveSecrets: nil)
                continue
            }
            guard let store else { preconditionFailure("an import that starts runs needs a store") }
            let key = "import:\(playbook.name):" + SHA256.hash(data: row.canonical).lowercaseHex
            let started = try await RunStarting(store: store, clock: clock).start(playbook, inputs: inputs, key: key, by: actor)
            report.rows[index].run = started.id
            report.rows[index].outcome = started.created ? "started" : "existing"
        }
        return report
    }

    static func problem(_ message: String, row: Int? = nil, column: Int? = nil, field: String? = nil) -> LeaverRecord.Problem {
        LeaverRecord.Problem(field: field, line: row, column: column, severity: "error", message: message)
    }

    /// CSV with a header row of input names; an empty cell is a missing value, a cell holding JSON (`[…]`, `{…}`)
    /// is that value, `true`/`false` and numbers are themselves, anything else is text.
    static func csvRows(_ bytes: [UInt8], file: String) -> (rows: [Row], problems: [LeaverRecord.Problem]) {
        guard let text = String(validating: bytes, as: UTF8.self) else { return ([], [problem("the file is not UTF-8 text")]) }
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text, hasHeaderRow: true)
        } catch {
            return ([], [problem("the file has no header row of input names")])
        }
        guard let header = reader.headerRow, !header.isEmpty, !header.allSatisfy(\.isEmpty) else { return ([], [problem("the file has no header row of input names")]) }
        var rows: [Row] = [], problems: [LeaverRecord.Problem] = []
        var number = 1
        while let cells = reader.next() {
            number += 1
            if cells.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            if cells.count != header.count {
                rows.append(Row(number: number, record: nil, canonical: Data(), unreadable: "row \(number) has \(cells.count) cells; the header has \(header.count)"))
                continue
            }
            var pairs: [YAMLPair] = [], canonical: [String: JSONValue] = [:]
            for (column, (name, cell)) in zip(header, cells).enumerated() where !cell.isEmpty {
                let here = SourceLocation(file: file, line: number, column: column + 1)
                let key = YAMLNode(.scalar(YAMLScalar(text: name, style: .plain, value: .string(name), columnsMapOneToOne: false)), at: here)
                pairs.append(YAMLPair(key: key, value: cellNode(cell, at: here)))
                canonical[name] = .string(cell)
            }
            rows.append(Row(number: number, record: YAMLNode(.mapping(pairs), at: SourceLocation(file: file, line: number, column: 1)),
                            canonical: JSONValue.object(canonical).canonicalData()))
        }
        if let error = reader.error { problems.append(problem("the CSV cannot be read after row \(number): \(error)", row: number)) }
        return (rows, problems)
    }

    static func cellNode(_ cell: String, at here: SourceLocation) -> YAMLNode {
        func scalar(_ value: ScalarValue, _ style: YAMLScalar.Style = .plain) -> YAMLNode {
            YAMLNode(.scalar(YAMLScalar(text: cell, style: style, value: value, columnsMapOneToOne: false)), at: here)
        }
        let trimmed = cell.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("[") || trimmed.hasPrefix("{"), let json = try? JSONDecoder().decode(JSONValue.self, from: Data(trimmed.utf8)) {
            return LeaverRecord.node(from: json, at: here)
        }
        switch trimmed {
        case "true": return scalar(.bool(true))
        case "false": return scalar(.bool(false))
        default:
            if let number = Int(trimmed) { return scalar(.int(number)) }
            return scalar(.string(cell), .doubleQuoted)
        }
    }

    /// JSON Lines: one leaver object per line; blank lines are skipped.
    static func jsonlRows(_ bytes: [UInt8], file: String) -> (rows: [Row], problems: [LeaverRecord.Problem]) {
        var rows: [Row] = []
        for (index, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let text = Array(line.last == UInt8(ascii: "\r") ? line.dropLast() : line[...])
            if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(text)), case .object = json else {
                rows.append(Row(number: number, record: nil, canonical: Data(), unreadable: "line \(number) is not a JSON object"))
                continue
            }
            let composed = YAMLComposer.compose(text, file: file)
            let record = composed.root.flatMap { composed.diagnostics.containsErrors ? nil : $0.relocated(toLine: number) }
                ?? LeaverRecord.node(from: json, at: SourceLocation(file: file, line: number, column: 1))
            rows.append(Row(number: number, record: record, canonical: json.canonicalData()))
        }
        return (rows, [])
    }
}

extension YAMLNode {
    /// The node (composed from one line) with every place moved to line `line`.
    func relocated(toLine line: Int) -> YAMLNode {
        let here = SourceLocation(file: location.file, line: line, column: location.column)
        switch content {
        case .scalar: return YAMLNode(content, at: here)
        case .sequence(let items): return YAMLNode(.sequence(items.map { $0.relocated(toLine: line) }), at: here)
        case .mapping(let pairs):
            return YAMLNode(.mapping(pairs.map { YAMLPair(key: $0.key.relocated(toLine: line), value: $0.value.relocated(toLine: line)) }), at: here)
        }
    }
}
