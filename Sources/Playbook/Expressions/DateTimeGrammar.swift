import Foundation

/// The strict grammar of the dates and times offboard reads from outside (records, `--set`, evidence,
/// `--now`, `OFFBOARD_NOW`, stored inputs). Parsed byte by byte over ASCII, checked field by field, and
/// turned into an instant by arithmetic: no Foundation formatter or parser ever sees outside text (one
/// of them traps on a combining mark), and nothing is normalised (`2026-04-31` is refused, not read
/// as 1 May).
///
/// ```
/// date      = YYYY "-" MM "-" DD
/// time      = HH ":" MM [ ":" SS [ "." 1*9DIGIT ] ]
/// date-time = date ("T" | "t") time [ "Z" | "z" | ("+" | "-") HH ":" MM ]
/// ```
public enum DateTimeGrammar {
    /// A calendar date and time of day as written, with its UTC offset when one was written.
    public struct Civil: Sendable, Hashable {
        public var year, month, day, hour, minute, second, nanosecond: Int
        /// Seconds east of UTC, or nil when the text named no offset.
        public var offsetSeconds: Int?

        /// The text of this date and time without an offset (`2027-03-28T01:30:00`).
        public var localText: String {
            "\(LocalDate(year: year, month: month, day: day))T\(pad(hour)):\(pad(minute)):\(pad(second))"
        }
    }

    /// Why text is not a date or date-time of this grammar.
    public enum Problem: Error, Sendable, Hashable {
        /// Not of the grammar's shape at all.
        case malformed
        /// Of the right shape, but a field is out of range; the text says which.
        case outOfRange(String)
    }

    /// Parses `YYYY-MM-DD`.
    public static func date(_ text: String) -> Result<LocalDate, Problem> {
        var reader = Reader(text)
        guard let date = reader.date() else { return .failure(.malformed) }
        guard reader.atEnd else { return .failure(.malformed) }
        return check(date).map { LocalDate(year: date.year, month: date.month, day: date.day) }
    }

    /// Parses a date-time, with or without an offset.
    public static func dateTime(_ text: String) -> Result<Civil, Problem> {
        var reader = Reader(text)
        guard let date = reader.date(), reader.take(anyOf: [UInt8(ascii: "T"), UInt8(ascii: "t")]),
              let hour = reader.digits(2), reader.take(UInt8(ascii: ":")), let minute = reader.digits(2) else { return .failure(.malformed) }
        var second = 0, nanosecond = 0
        if reader.take(UInt8(ascii: ":")) {
            guard let value = reader.digits(2) else { return .failure(.malformed) }
            second = value
            if reader.take(UInt8(ascii: ".")) {
                guard let (fraction, count) = reader.fraction(), count <= 9 else { return .failure(.malformed) }
                nanosecond = fraction * Int(pow(10, Double(9 - count)))
            }
        }
        var offset: Int?
        if reader.take(anyOf: [UInt8(ascii: "Z"), UInt8(ascii: "z")]) {
            offset = 0
        } else if let sign = reader.sign() {
            guard let hours = reader.digits(2), reader.take(UInt8(ascii: ":")), let minutes = reader.digits(2) else { return .failure(.malformed) }
            guard minutes < 60 else { return .failure(.outOfRange("offset minute \(pad(minutes)) is out of range (00–59)")) }
            guard hours * 60 + minutes <= 14 * 60 else {
                return .failure(.outOfRange("offset \(sign < 0 ? "-" : "+")\(pad(hours)):\(pad(minutes)) is beyond ±14:00"))
            }
            offset = sign * (hours * 3_600 + minutes * 60)
        }
        guard reader.atEnd else { return .failure(.malformed) }
        let civil = Civil(year: date.year, month: date.month, day: date.day, hour: hour, minute: minute, second: second,
                          nanosecond: nanosecond, offsetSeconds: offset)
        if case .failure(let problem) = check(date) { return .failure(problem) }
        guard hour < 24 else { return .failure(.outOfRange("hour \(pad(hour)) is out of range (00–23)")) }
        guard minute < 60 else { return .failure(.outOfRange("minute \(pad(minute)) is out of range (00–59)")) }
        guard second < 60 else { return .failure(.outOfRange("second \(pad(second)) is out of range (00–59)")) }
        return .success(civil)
    }

    /// Seconds since 1970-01-01T00:00:00 of this date and time read as UTC (the offset ignored).
    public static func secondsAsIfUTC(_ civil: Civil) -> Int {
        daysFromCivil(year: civil.year, month: civil.month, day: civil.day) * 86_400 + civil.hour * 3_600 + civil.minute * 60 + civil.second
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date `days` after 1970-01-01 (H. Hinnant's `civil_from_days`).
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August",
                                     "September", "October", "November", "December"]

    private static func check(_ date: (year: Int, month: Int, day: Int)) -> Result<Void, Problem> {
        guard date.year >= 1 else { return .failure(.outOfRange("year 0000 is out of range (0001–9999)")) }
        guard (1...12).contains(date.month) else { return .failure(.outOfRange("month \(pad(date.month)) is out of range (01–12)")) }
        let days = daysIn(month: date.month, year: date.year)
        guard (1...days).contains(date.day) else {
            return .failure(.outOfRange(date.day == 0 ? "day 00 is out of range (01–\(days))"
                                        : "\(monthNames[date.month - 1]) \(date.year) has \(days) days, not \(date.day)"))
        }
        return .success(())
    }

    static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// Reads ASCII bytes; anything else (a combining mark, a full-width digit) fails the parse.
    private struct Reader {
        let bytes: [UInt8]
        var index = 0
        init(_ text: String) { bytes = Array(text.utf8) }

        var atEnd: Bool { index == bytes.count }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func take(anyOf choices: [UInt8]) -> Bool {
            choices.contains { take($0) }
        }

        mutating func sign() -> Int? {
            if take(UInt8(ascii: "+")) { return 1 }
            if take(UInt8(ascii: "-")) { return -1 }
            return nil
        }

        mutating func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + count] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += count
            return value
        }

        mutating func fraction() -> (Int, Int)? {
            var value = 0, count = 0
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]), count < 10 {
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                count += 1
                index += 1
            }
            return count == 0 ? nil : (value, count)
        }

        mutating func date() -> (year: Int, month: Int, day: Int)? {
            guard let year = digits(4), take(UInt8(ascii: "-")), let month = digits(2), take(UInt8(ascii: "-")),
                  let day = digits(2) else { return nil }
            return (year, month, day)
        }
    }
}
