import Foundation

/// Reading and writing instants as ISO 8601 text, through Foundation's formatters.
public enum DateText {
    /// Parses `2026-12-04T17:30:00Z`, `…+01:00`, fractional seconds, or a time without an offset,
    /// which is read in `defaultTimeZone` (the leaver's zone) when one is given. Strict: see
    /// `DateTimeGrammar`; `resolveDateTime` says why text is refused.
    public static func parseDateTime(_ text: String, defaultTimeZone: TimeZone?) -> Date? {
        try? resolveDateTime(text, timeZone: defaultTimeZone).get().date
    }

    /// A date-time read from outside, with a note when the text was ambiguous and one reading was taken.
    public struct Resolved: Sendable, Hashable {
        public var date: Date
        /// Set when a local time occurs twice in the zone (the autumn overlap): which instant was taken.
        public var note: String?
    }

    /// Why text is not a date-time offboard accepts, in words for the person who wrote it. It never repeats the text:
    /// the caller names the field, and what a field holds may be personal or hostile.
    public struct Refusal: Error, Sendable, Hashable {
        public var message: String
    }

    /// Reads a date-time strictly. Without an offset the time is local to `timeZone`: one that does not exist
    /// there (the spring-forward gap) is refused, one that occurs twice resolves to the earlier instant (so
    /// access ends sooner) and says so in `note`.
    public static func resolveDateTime(_ text: String, timeZone: TimeZone?) -> Result<Resolved, Refusal> {
        let civil: DateTimeGrammar.Civil
        switch DateTimeGrammar.dateTime(text) {
        case .success(let parsed): civil = parsed
        case .failure(.outOfRange(let why)): return .failure(Refusal(message: "not a valid date-time: \(why)"))
        case .failure(.malformed):
            let accepted = timeZone.map { "a date-time such as 2026-12-04T17:30:00Z or 2026-12-04T17:30:00+01:00, or 2026-12-04T17:30 read in the leaver's time zone (\($0.identifier))" }
                ?? "a date-time with a UTC offset such as 2026-12-04T17:30:00Z or 2026-12-04T17:30:00+01:00"
            return .failure(Refusal(message: "expected \(accepted)"))
        }
        let local = DateTimeGrammar.secondsAsIfUTC(civil)
        let fraction = Double(civil.nanosecond) / 1_000_000_000
        if let offset = civil.offsetSeconds {
            return .success(Resolved(date: Date(timeIntervalSince1970: Double(local - offset) + fraction)))
        }
        guard let zone = timeZone else {
            return .failure(Refusal(message: "a date-time without a UTC offset; write it with one, such as 2026-12-04T17:30:00Z or 2026-12-04T17:30:00+01:00"))
        }
        let before = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local - 86_400)))
        let after = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local + 86_400)))
        let candidates = Set([before, after, zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local)))])
            .filter { zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local - $0))) == $0 }
            .map { local - $0 }.sorted()
        guard let first = candidates.first else {
            return .failure(Refusal(message: "a local time that does not exist in \(zone.identifier): the clocks go forward there from \(offsetText(before)) to \(offsetText(after)) (write the offset, or a time outside the gap)"))
        }
        let date = Date(timeIntervalSince1970: Double(first) + fraction)
        guard candidates.count > 1 else { return .success(Resolved(date: date)) }
        let taken = iso8601(date, in: zone)
        return .success(Resolved(date: date, note: "\(civil.localText) occurs twice in \(zone.identifier) (the clocks go back); the earlier, \(taken), was taken"))
    }

    /// `+01:00`, `-05:30`, `+00:00`.
    public static func offsetText(_ seconds: Int) -> String {
        let minutes = abs(seconds) / 60
        return "\(seconds < 0 ? "-" : "+")\(DateTimeGrammar.pad(minutes / 60)):\(DateTimeGrammar.pad(minutes % 60))"
    }

    /// `2026-12-04T17:30:00Z` in UTC, or with the zone's offset (`2026-12-04T18:30:00+01:00`).
    /// To the nearest millisecond (as ISO8601DateFormatter rounds), shown with `fractionalSeconds`. Written by
    /// arithmetic: a Foundation formatter costs an ICU formatter per call, and the server writes these in every
    /// log line and every listed run.
    public static func iso8601(_ date: Date, in timeZone: TimeZone = .gmt, fractionalSeconds: Bool = false) -> String {
        let millis = Int((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, milli) = (millis.floorDiv(1000), millis.floorMod(1000))
        let offset = timeZone == .gmt ? 0 : timeZone.secondsFromGMT(for: date)
        let local = seconds + offset
        let (days, secondOfDay) = (local.floorDiv(86_400), local.floorMod(86_400))
        let (year, month, day) = DateTimeGrammar.civilFromDays(days)
        var text = "\(LocalDate(year: year, month: month, day: day))T\(DateTimeGrammar.pad(secondOfDay / 3_600)):"
            + "\(DateTimeGrammar.pad(secondOfDay / 60 % 60)):\(DateTimeGrammar.pad(secondOfDay % 60))"
        if fractionalSeconds { text += milli < 10 ? ".00\(milli)" : milli < 100 ? ".0\(milli)" : ".\(milli)" }
        // A local mean time before standard zones (London until 1847: -00:01:15) keeps its seconds, as Foundation's does.
        return text + (offset == 0 ? "Z" : offsetText(offset) + (offset % 60 == 0 ? "" : ":\(DateTimeGrammar.pad(abs(offset) % 60))"))
    }

    /// `2026-12-04 17:30 GMT` style text for people, in the given zone.
    public static func humanReadable(_ date: Date, in timeZone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "EEE yyyy-MM-dd HH:mm zzz"
        return formatter.string(from: date)
    }
}

extension Int {
    /// Division rounding toward minus infinity (so instants before 1970 fall in the right second and day).
    fileprivate func floorDiv(_ divisor: Int) -> Int { (self - floorMod(divisor)) / divisor }
    /// The remainder of `floorDiv`, always in 0..<divisor.
    fileprivate func floorMod(_ divisor: Int) -> Int { ((self % divisor) + divisor) % divisor }
}
