import Foundation

/// Reading and writing instants as ISO 8601 text, through Foundation's formatters.
public enum DateText {
    /// Parses `2026-12-04T17:30:00Z`, `…+01:00`, fractional seconds, or a time without an offset,
    /// which is read in `defaultTimeZone` (the leaver's zone) when one is given.
    public static func parseDateTime(_ text: String, defaultTimeZone: TimeZone?) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for options in [ISO8601DateFormatter.Options.withInternetDateTime, [.withInternetDateTime, .withFractionalSeconds]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: trimmed) { return date }
        }
        guard let zone = defaultTimeZone else { return nil }
        for format in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss.SSS"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = zone
            formatter.dateFormat = format
            formatter.isLenient = false
            if let date = formatter.date(from: trimmed) { return date }
        }
        return nil
    }

    /// `2026-12-04T17:30:00Z` in UTC, or with the zone's offset (`2026-12-04T18:30:00+01:00`).
    public static func iso8601(_ date: Date, in timeZone: TimeZone = .gmt, fractionalSeconds: Bool = false) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = fractionalSeconds ? [.withInternetDateTime, .withFractionalSeconds] : .withInternetDateTime
        formatter.timeZone = timeZone
        return formatter.string(from: date)
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
