/// Why a value a person or a system gave cannot be used: a code, the field it concerns, and its facts. It carries
/// no words of any front end: the command line, the API and the console each say it their own way (an exit code
/// and the option's name; an RFC 9457 problem; a notice on the page), and none repeats the value.
public struct InputRefusal: Error, Sendable, Hashable {
    public enum Code: String, Sendable, Hashable {
        /// A required value is absent or blank.
        case missing
        /// Longer than `limit` characters.
        case tooLong
        /// Not of the form `name=value` with a name.
        case notAPair
        /// The same name given twice.
        case givenTwice
        /// Not a value of the kind the field takes (`expected` says which).
        case unexpected
    }

    public var code: Code
    /// The field: `reason`, `evidence`, `set`, or the name given twice.
    public var field: String
    /// The most characters allowed, for `tooLong` and `missing` where a length applies.
    public var limit: Int?
    /// What the field takes, in words (`a whole number from 1 to 1000`), for `unexpected`.
    public var expected: String?

    public init(_ code: Code, field: String, limit: Int? = nil, expected: String? = nil) {
        self.code = code
        self.field = field
        self.limit = limit
        self.expected = expected
    }

    /// The facts in plain words, naming the field as `field` reads (a front end passes its own name for it, such as
    /// an option).
    public func sentence(naming field: String? = nil) -> String {
        let name = field ?? "'\(self.field)'"
        switch code {
        case .missing: return limit.map { "\(name) must be 1–\($0) characters" } ?? "\(name) is required"
        case .tooLong: return "\(name) must be 1–\(limit ?? 0) characters"
        case .notAPair: return "each \(name) must be name=value"
        case .givenTwice: return "\(name) is given twice"
        case .unexpected: return "\(name) must be \(expected ?? "another value")"
        }
    }
}
