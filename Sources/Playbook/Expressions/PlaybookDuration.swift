/// A length of time written like `90s`, `15m`, `1h30m`, `5d` or `2w`.
public struct PlaybookDuration: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var seconds: Int

    public init(seconds: Int) { self.seconds = seconds }

    private static let units: [(suffix: Character, seconds: Int)] = [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]

    /// Parses `1h30m`-style text; nil when it is not a duration.
    public init?(parsing text: String) {
        var total = 0
        var digits = ""
        var sawUnit = false
        var lastUnitRank = -1
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            guard let rank = Self.units.firstIndex(where: { $0.suffix == character }), !digits.isEmpty,
                  rank > lastUnitRank, let amount = Int(digits) else { return nil }
            let (product, overflow) = amount.multipliedReportingOverflow(by: Self.units[rank].seconds)
            guard !overflow, product <= Int(Int32.max) * 1000 else { return nil }
            total += product
            digits = ""
            sawUnit = true
            lastUnitRank = rank
        }
        guard sawUnit, digits.isEmpty else { return nil }
        seconds = total
    }

    /// The canonical spelling in days, hours, minutes and seconds, for example `1h30m`; `0s` for zero.
    public var description: String {
        if seconds == 0 { return "0s" }
        var remaining = abs(seconds)
        var text = seconds < 0 ? "-" : ""
        // Weeks are accepted on input but printed as days: a deadline written 30d reads 30d.
        for unit in Self.units.dropFirst() where remaining >= unit.seconds {
            text += "\(remaining / unit.seconds)\(unit.suffix)"
            remaining %= unit.seconds
        }
        return text
    }

    /// The two largest units only (`3d4h`, `2h15m`, `40s`), for telling a person how long ago something was.
    public var roughly: String {
        var remaining = abs(seconds), text = seconds < 0 ? "-" : "", used = 0
        for unit in Self.units.dropFirst() where remaining >= unit.seconds && used < 2 {
            text += "\(remaining / unit.seconds)\(unit.suffix)"
            remaining %= unit.seconds
            used += 1
        }
        return used == 0 ? "0s" : text
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.seconds < rhs.seconds }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = PlaybookDuration(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a duration: \(text)"))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
