import Foundation
import Playbook

/// Keeps the leaver's personal data out of the journal. A run's personal inputs (declared
/// `personal: true`) are stored with the run, apart from the chained journal; wherever one of their
/// values appears in an event (a task title, a log message, an output), the journal holds a token
/// such as `⟪full_name⟫` instead. Replaying a run puts the values back while they are kept;
/// `offboard purge` deletes them, and the journal, its hashes and `verify` are untouched.
public struct PersonalData: Sendable {
    /// (value, token) pairs, longest value first.
    private let concealing: [(String, String)]
    private let revealing: [(String, String)]

    /// Values shorter than this are not tokenised: they would match inside ordinary words.
    public static let minimumLength = 3

    public static func token(_ name: String) -> String { "⟪\(name)⟫" }

    /// From the run's inputs: the text values of inputs the playbook declares personal.
    public init(playbook: Playbook, inputs: [String: Value]) {
        var pairs: [(String, String)] = []
        for input in playbook.inputs where input.personal {
            guard case .string(let text)? = inputs[input.name], text.count >= Self.minimumLength else { continue }
            pairs.append((text, Self.token(input.name)))
        }
        pairs.sort { $0.0.count > $1.0.count }
        concealing = pairs
        revealing = pairs.map { ($0.1, $0.0) }
    }

    public var isEmpty: Bool { concealing.isEmpty }

    /// The event as the journal stores it: personal values replaced by their tokens.
    public func conceal(_ event: RunEvent) -> RunEvent { substitute(event, concealing) }

    /// The event with the tokens replaced by the values again (nothing to do once purged).
    public func reveal(_ event: RunEvent) -> RunEvent { substitute(event, revealing) }

    /// Replaces inside the event's string values (never its structure's keys); an event that would
    /// not decode afterwards is kept as it was.
    private func substitute(_ event: RunEvent, _ pairs: [(String, String)]) -> RunEvent {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        guard !pairs.isEmpty, let data = try? encoder.encode(event) else { return event }
        // Most events (a step scheduled, started) hold none of the values: one look at the encoded
        // text settles that, unless a value is one JSON writes escaped (a quote, a backslash).
        let text = String(decoding: data, as: UTF8.self)
        guard pairs.contains(where: { text.contains($0.0) || Self.isEscapedInJSON($0.0) }),
              let tree = try? JSONDecoder().decode(JSONValue.self, from: data) else { return event }
        let changed = Self.replace(in: tree, ScrubPlan(pairs, cutFragments: false))
        guard changed != tree, let bytes = try? JSONEncoder().encode(changed), let result = try? JSONDecoder().decode(RunEvent.self, from: bytes) else {
            return event
        }
        return result
    }

    private static func isEscapedInJSON(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0 == "\"" || $0 == "\\" || $0.value < 0x20 }
    }

    private static func replace(in value: JSONValue, _ plan: ScrubPlan) -> JSONValue {
        switch value {
        // Whole values only: a personal value is never cut, so no fragment rule applies (it would turn a db_role
        // `jane.ryan` into the token of the email `jane.ryan@acme.com`).
        case .string(let text): return .string(plan.scrub(text))
        case .array(let items): return .array(items.map { replace(in: $0, plan) })
        case .object(let fields): return .object(fields.mapValues { replace(in: $0, plan) })
        case .null, .bool, .int, .number: return value
        }
    }
}
