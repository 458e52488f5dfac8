import Engine
import Foundation
import Playbook

/// A leaver's record bound to a playbook's inputs, with every problem named by its field.
public enum LeaverRecord {
    /// One problem with a record: the input it is about (when one is), where, and what.
    public struct Problem: Sendable, Hashable, Codable {
        public var field: String?
        public var line: Int?
        public var column: Int?
        public var severity: String
        public var message: String
    }

    /// Binds `record` (a mapping composed from the caller's bytes: `--input`, an API body, a console form, an import
    /// row, an HR event through its mapping) and `overrides` (`--set name=value`, which win) to `playbook`'s inputs;
    /// throws every problem, naming overrides by `overridesLabel` (the front end's word for them). The word `now` in a
    /// date or date-time input is `now`, the caller's clock's time.
    public static func bind(_ record: YAMLNode?, overrides: [(name: String, value: String)] = [], overridesLabel: String = "override",
                            to playbook: Playbook, now: Date) throws(DiagnosticsError) -> BoundInputs {
        try InputBinder.bind(playbook, record: record, overrides: overrides, overridesLabel: overridesLabel, now: now)
    }

    /// `message` with every value the caller gave (quoted, as diagnostics quote them) replaced by ⟪its field⟫: a problem names
    /// fields and never echoes what they hold, which may be personal ("got ⟪leave_at⟫", not the text sent).
    static func withoutValues(_ message: String, of pairs: [YAMLPair]) -> String {
        var text = message
        let values = pairs.compactMap { pair in pair.value.scalar.map { (pair.name, $0.text) } }.filter { !$0.1.isEmpty }
        for (name, value) in values.sorted(by: { $0.1.count > $1.1.count }) {
            text = text.replacingOccurrences(of: "'\(value)'", with: "⟪\(name)⟫")
        }
        return text
    }

    /// The problems of `diagnostics`, each with the input field it points into when it points into one of `record`'s fields.
    public static func problems(_ diagnostics: [Diagnostic], record: YAMLNode?, playbook: Playbook?, concealingValues: Bool = true) -> [Problem] {
        let pairs = record?.mapping ?? []
        let inputNames = Set(playbook?.inputs.map(\.name) ?? [])
        // A record rebuilt from JSON (`node(from:)`) has every node at 1:1: places then say nothing.
        let placed = Set(pairs.map(\.key.location)).count == pairs.count
        return diagnostics.map { diagnostic in
            // "missing required input 'email' (email)", "field 'x' is not an input": the first quoted word that is an
            // input or a field of the record; else the field the diagnostic's place is in.
            let names = inputNames.union(pairs.map(\.name))
            var field = diagnostic.message.split(separator: "'").enumerated().first { $0.offset % 2 == 1 && names.contains(String($0.element)) }
                .map { String($0.element) }
            if field == nil, placed, let location = diagnostic.location {
                field = pairs.first { $0.key.location == location || $0.value.location == location }?.name
            }
            return Problem(field: field, line: placed ? diagnostic.location?.line : nil, column: placed ? diagnostic.location?.column : nil,
                           severity: diagnostic.severity.rawValue, message: concealingValues ? withoutValues(diagnostic.message, of: pairs) : diagnostic.message)
        }
    }
}

extension LeaverRecord {
    /// `json` as a composed node (keys sorted), for a record that arrived as JSON that YAML does not read as it is
    /// (control characters, surrogate-pair escapes): every node sits at `file`:1:1.
    public static func node(from json: JSONValue, file: String) -> YAMLNode {
        node(from: json, at: SourceLocation(file: file, line: 1, column: 1))
    }

    /// `json` as a composed node with every node at `here`.
    public static func node(from json: JSONValue, at here: SourceLocation) -> YAMLNode {
        func scalar(_ text: String, _ value: ScalarValue, _ style: YAMLScalar.Style = .plain) -> YAMLNode {
            YAMLNode(.scalar(YAMLScalar(text: text, style: style, value: value, columnsMapOneToOne: false)), at: here)
        }
        switch json {
        case .null: return scalar("null", .null)
        case .bool(let value): return scalar(value ? "true" : "false", .bool(value))
        case .int(let value): return scalar(String(value), .int(value))
        case .number(let value): return scalar(String(value), .float(value))
        case .string(let value): return scalar(value, .string(value), .doubleQuoted)
        case .array(let items): return YAMLNode(.sequence(items.map { node(from: $0, at: here) }), at: here)
        case .object(let fields):
            return YAMLNode(.mapping(fields.sorted { $0.key < $1.key }.map { YAMLPair(key: scalar($0.key, .string($0.key), .doubleQuoted), value: node(from: $0.value, at: here)) }), at: here)
        }
    }
}

extension BoundInputs {
    /// The inputs as the run keeps them (and as the API shows them).
    public var json: JSONValue { InputBinder.json(self) }
}
