import Foundation

/// A calendar date without a time of day (`2026-12-04`), as HR records a last working day.
public struct LocalDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    /// Parses `YYYY-MM-DD`, rejecting dates that do not exist (`2026-02-30`); `DateTimeGrammar.date`
    /// says why.
    public init?(parsing text: String) {
        guard case .success(let date) = DateTimeGrammar.date(text) else { return nil }
        self = date
    }

    /// The calendar date of an instant in `timeZone`.
    public init(_ date: Date, in timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        self.init(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
    }

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar
    }

    public var description: String {
        let y = String(year), m = month < 10 ? "0\(month)" : "\(month)", d = day < 10 ? "0\(day)" : "\(day)"
        return "\(String(repeating: "0", count: max(0, 4 - y.count)))\(y)-\(m)-\(d)"
    }

    /// The instant this date starts in `timeZone`.
    public func startOfDay(in timeZone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.date(from: DateComponents(year: year, month: month, day: day)) ?? .distantPast
    }

    /// This date moved by whole days (a duration's remainder below one day is ignored).
    public func adding(days: Int) -> LocalDate {
        let calendar = Self.calendar
        guard let start = calendar.date(from: DateComponents(year: year, month: month, day: day)),
              let moved = calendar.date(byAdding: .day, value: days, to: start) else { return self }
        let parts = calendar.dateComponents([.year, .month, .day], from: moved)
        return LocalDate(year: parts.year ?? year, month: parts.month ?? month, day: parts.day ?? day)
    }

    /// Days from `other` to this date.
    public func days(since other: LocalDate) -> Int {
        let calendar = Self.calendar
        guard let a = calendar.date(from: DateComponents(year: year, month: month, day: day)),
              let b = calendar.date(from: DateComponents(year: other.year, month: other.month, day: other.day)) else { return 0 }
        return calendar.dateComponents([.day], from: b, to: a).day ?? 0
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}
