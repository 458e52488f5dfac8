import Foundation
import Playbook

/// Reads an HTTP `Retry-After` value (RFC 9110 §10.2.3) strictly: `delta-seconds` as ASCII digits, or an
/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`). Parsed by hand, because a server's text must never reach a
/// Foundation formatter (one traps on some Unicode) nor become an infinite delay (`1e400`).
enum RetryAfter {
    /// The longest wait a server can ask for here: a day; longer is read as a day.
    static let longest: TimeInterval = 86_400

    static func seconds(_ value: String, now: Date) -> TimeInterval? {
        let bytes = Array(value.utf8.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed())
        guard !bytes.isEmpty else { return nil }
        if bytes.allSatisfy(isDigit) {
            guard bytes.count <= 9 else { return longest }
            return min(longest, TimeInterval(bytes.reduce(0) { $0 * 10 + Int($1 - 0x30) }))
        }
        guard let date = httpDate(bytes) else { return nil }
        return min(longest, max(0, date.timeIntervalSince(now)))
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    /// `Sun, 06 Nov 1994 08:49:37 GMT`, exactly 29 ASCII bytes.
    static func httpDate(_ bytes: [UInt8]) -> Date? {
        guard bytes.count == 29, bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0].count == 4, parts[0].hasSuffix(","), days.contains(String(parts[0].prefix(3))),
              parts[5] == "GMT", let month = months.firstIndex(of: parts[2]) else { return nil }
        let clock = parts[4].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 3, let day = number(parts[1], 2), let year = number(parts[3], 4),
              let hour = number(clock[0], 2), let minute = number(clock[1], 2), let second = number(clock[2], 2) else { return nil }
        let civil = "\(parts[3])-\((month < 9 ? "0" : "") + String(month + 1))-\(parts[1])T\(clock[0]):\(clock[1]):\(clock[2])Z"
        guard day >= 1, year >= 1, hour < 24, minute < 60, second < 60 else { return nil }
        return DateText.parseDateTime(civil, defaultTimeZone: nil)
    }

    private static func number(_ text: some StringProtocol, _ width: Int) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == width, bytes.allSatisfy(isDigit) else { return nil }
        return bytes.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
}
