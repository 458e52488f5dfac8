import Foundation

/// Converts values written for inputs (a record's fields, `--set` text, declared defaults) into
/// typed values, with a message naming what is wrong. A message never repeats the value: the caller names the
/// field, and what a field holds may be personal or hostile.
public enum InputBinding {
    /// Why a value does not fit its input's type.
    public struct Problem: Error, Sendable, Hashable {
        public var message: String
        public init(_ message: String) { self.message = message }
    }

    /// Converts a YAML (or JSON) node.
    public static func convert(_ node: YAMLNode, to input: InputDeclaration, timeZone: TimeZone?) -> Result<Value, Problem> {
        var context = Context(timeZone: timeZone, now: nil)
        return convert(node, type: input.type, items: input.items, allowed: input.allowed, context: &context)
    }

    /// Converts a node for a leaver's record: `now` is accepted for a date or datetime input, and the notes
    /// (which of two instants an ambiguous local time was read as) are added to `notes`.
    public static func convert(_ node: YAMLNode, to input: InputDeclaration, timeZone: TimeZone?, now: Date?, notes: inout [String]) -> Result<Value, Problem> {
        var context = Context(timeZone: timeZone, now: now)
        let result = convert(node, type: input.type, items: input.items, allowed: input.allowed, context: &context)
        notes += context.notes
        return result
    }

    /// What a conversion depends on besides the value, and what it has to say about it.
    struct Context {
        var timeZone: TimeZone?
        /// When set, the word `now` is this moment for date and datetime inputs.
        var now: Date?
        var notes: [String] = []
    }

    /// Converts text typed on a command line (`--set leave_at=2026-12-04T17:30:00Z`); lists and
    /// objects are written as JSON.
    public static func convert(text: String, to input: InputDeclaration, timeZone: TimeZone?) -> Result<Value, Problem> {
        var notes: [String] = []
        return convert(text: text, to: input, timeZone: timeZone, now: nil, notes: &notes)
    }

    /// Converts command-line text, accepting `now` for date and datetime inputs when `now` is given.
    public static func convert(text: String, to input: InputDeclaration, timeZone: TimeZone?, now: Date?, notes: inout [String]) -> Result<Value, Problem> {
        switch input.type {
        case .list, .object:
            let result = YAMLComposer.compose(Array(text.utf8), file: "--set \(input.name)")
            guard let node = result.root, !result.diagnostics.containsErrors else {
                return .failure(Problem("expected \(input.type == .list ? "a JSON list" : "a JSON object")"))
            }
            return convert(node, to: input, timeZone: timeZone, now: now, notes: &notes)
        case .int:
            guard let number = Int(text) else { return .failure(Problem("expected an integer")) }
            return .success(.int(number))
        case .bool:
            guard text == "true" || text == "false" else { return .failure(Problem("expected true or false")) }
            return .success(.bool(text == "true"))
        default:
            let node = YAMLNode(.scalar(YAMLScalar(text: text, style: .doubleQuoted, value: .string(text), columnsMapOneToOne: false)),
                                at: SourceLocation(file: "--set", line: 1, column: 1))
            return convert(node, to: input, timeZone: timeZone, now: now, notes: &notes)
        }
    }

    private static func convert(_ node: YAMLNode, type: InputType, items: InputType?, allowed: [String]?, context: inout Context) -> Result<Value, Problem> {
        if node.scalar?.value == .null { return .success(.null) }
        switch type {
        case .string:
            guard let text = node.string else { return mismatch("a string", node) }
            if let problem = lineProblem(text) { return .failure(problem) }
            if let allowed, !allowed.contains(text) {
                let hint = Suggestion.closest(to: text, in: allowed).map { "; did you mean '\($0)'?" } ?? ""
                return .failure(Problem("expected one of \(allowed.joined(separator: ", "))\(hint)"))
            }
            return .success(.string(text))
        case .email:
            guard let text = node.string else { return mismatch("an email address", node) }
            guard isEmailAddress(text) else { return .failure(Problem("expected an email address")) }
            return .success(.string(text))
        case .timezone:
            guard let text = node.string else { return mismatch("a time zone name", node) }
            guard TimeZoneName.zone(named: text) != nil else {
                return .failure(Problem("expected a time zone name (IANA names such as Europe/London or UTC)"))
            }
            return .success(.string(text))
        case .int:
            guard case .int(let number)? = node.scalar?.value else { return mismatch("an integer", node) }
            return .success(.int(number))
        case .bool:
            guard case .bool(let flag)? = node.scalar?.value else { return mismatch("true or false", node) }
            return .success(.bool(flag))
        case .date:
            guard let text = node.string else { return mismatch("a date such as 2026-12-04", node) }
            if text == "now", let now = context.now { return .success(.date(LocalDate(now, in: context.timeZone ?? .gmt))) }
            switch DateTimeGrammar.date(text) {
            case .success(let date): return .success(.date(date))
            case .failure(.outOfRange(let why)): return .failure(Problem("not a valid date: \(why)"))
            case .failure(.malformed): return .failure(Problem("expected a date such as 2026-12-04"))
            }
        case .datetime:
            guard let text = node.string else { return mismatch("a date-time such as 2026-12-04T17:30:00Z", node) }
            if text == "now", let now = context.now { return .success(.datetime(now)) }
            switch DateText.resolveDateTime(text, timeZone: context.timeZone) {
            case .success(let resolved):
                if let note = resolved.note { context.notes.append(note) }
                return .success(.datetime(resolved.date))
            case .failure(let refusal): return .failure(Problem(refusal.message))
            }
        case .duration:
            guard let text = node.scalar?.text, let duration = PlaybookDuration(parsing: text) else { return mismatch("a duration such as 2h or 5d", node) }
            return .success(.duration(duration))
        case .list:
            guard let elements = node.sequence else { return mismatch("a list", node) }
            var values: [Value] = []
            for (index, element) in elements.enumerated() {
                guard let items else {
                    values.append(genericValue(element))
                    continue
                }
                switch convert(element, type: items, items: nil, allowed: nil, context: &context) {
                case .success(let value): values.append(value)
                case .failure(let problem): return .failure(Problem("item \(index): \(problem.message)"))
                }
            }
            return .success(.list(values))
        case .object:
            guard node.mapping != nil else { return mismatch("an object", node) }
            return .success(genericValue(node))
        }
    }

    /// A node as a value without a declared type (list items, object fields).
    public static func genericValue(_ node: YAMLNode) -> Value {
        switch node.content {
        case .scalar(let scalar): return Value(scalar.value)
        case .sequence(let items): return .list(items.map(genericValue))
        case .mapping(let pairs):
            var fields: [String: Value] = [:]
            for pair in pairs { fields[pair.name] = genericValue(pair.value) }
            return .object(fields)
        }
    }

    /// A string input is one line: an id, a name, a role. A line break or another control character in one would
    /// forge lines wherever it is shown, so it is refused (lists and objects may hold any text).
    static func lineProblem(_ text: String) -> Problem? {
        let breaks = text.unicodeScalars.contains { scalar in
            switch scalar.value {
            case 0x09: return false
            case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029: return true
            default: return false
            }
        }
        return breaks ? Problem("expected one line of text, without line breaks or other control characters") : nil
    }

    private static func mismatch(_ expected: String, _ node: YAMLNode) -> Result<Value, Problem> {
        .failure(Problem("expected \(expected), got \(node.kindName)"))
    }

    /// A practical check: one `@`, a non-empty local part, a dotted domain, no spaces.
    static func isEmailAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, text.count <= 254, !text.contains(where: \.isWhitespace) else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }
    }
}
