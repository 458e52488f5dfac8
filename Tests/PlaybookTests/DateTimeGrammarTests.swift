import Foundation
import Playbook
import Testing

/// The strict date and time grammar: what a leaver record, `--set`, task evidence or `--now` may say.
@Suite struct DateTimeGrammarTests {
    static let london = TimeZone(identifier: "Europe/London")!

    func refusal(_ text: String, zone: TimeZone? = nil) -> String? {
        if case .failure(let refusal) = DateText.resolveDateTime(text, timeZone: zone) { return refusal.message }
        return nil
    }

    @Test func acceptsTheDocumentedForms() throws {
        let expected = Date(timeIntervalSince1970: 1_796_405_400) // 2026-12-04T17:30:00Z
        for text in ["2026-12-04T17:30:00Z", "2026-12-04t17:30:00z", "2026-12-04T18:30:00+01:00", "2026-12-04T12:30:00-05:00", "2026-12-04T17:30Z"] {
            #expect(DateText.parseDateTime(text, defaultTimeZone: nil) == expected, "\(text)")
        }
        let fractional = try #require(DateText.parseDateTime("2026-12-04T17:30:00.250Z", defaultTimeZone: nil))
        #expect(abs(fractional.timeIntervalSince(expected) - 0.25) < 0.000_1)
        #expect(DateText.parseDateTime("2026-12-04T17:30", defaultTimeZone: Self.london) == expected)
        #expect(DateText.parseDateTime("2026-07-01T09:00:00", defaultTimeZone: Self.london) == DateText.parseDateTime("2026-07-01T08:00:00Z", defaultTimeZone: nil))
        #expect(LocalDate(parsing: "2028-02-29")?.description == "2028-02-29")
    }

    /// Found by fuzzing: a combining mark inside a date-time made Foundation's DateFormatter trap (SIGILL).
    @Test func combiningMarksAndOtherUnicodeAreRefusedNotCrashed() {
        for text in ["2026-12-04T17:30:00\u{0312}Z", "2026-12-04T17:30:00Z\u{0312}", "2026-12-04\u{0312}", "２０２６-12-04T17:30:00Z",
                     "2026-12-04T17:30:00\u{202E}Z", "2026-12-04T17:30:00 Z", " 2026-12-04T17:30:00Z", "2026-12-04T17:30:00\u{0}Z"] {
            #expect(DateText.parseDateTime(text, defaultTimeZone: Self.london) == nil, "\(text.debugDescription)")
            #expect(LocalDate(parsing: text) == nil)
        }
        #expect(LocalDate(parsing: "2026-12-0\u{0664}") == nil)
    }

    @Test func impossibleDatesAndTimesAreRefusedNamingTheField() {
        #expect(refusal("2027-02-29T09:00:00Z") == "not a valid date-time: February 2027 has 28 days, not 29")
        #expect(refusal("2026-04-31T09:00:00Z") == "not a valid date-time: April 2026 has 30 days, not 31")
        #expect(refusal("2026-12-04T24:00:00Z") == "not a valid date-time: hour 24 is out of range (00–23)")
        #expect(refusal("2026-12-04T17:60:00Z") == "not a valid date-time: minute 60 is out of range (00–59)")
        #expect(refusal("2026-12-04T17:30:60Z") == "not a valid date-time: second 60 is out of range (00–59)")
        #expect(refusal("2026-12-04T17:30:00+14:01") == "not a valid date-time: offset +14:01 is beyond ±14:00")
        #expect(refusal("2026-12-04T17:30:00-15:00") == "not a valid date-time: offset -15:00 is beyond ±14:00")
        #expect(refusal("2026-13-04T17:30:00Z") == "not a valid date-time: month 13 is out of range (01–12)")
        #expect(DateText.parseDateTime("2026-12-04T17:30:00+14:00", defaultTimeZone: nil) != nil)
        for bad in ["2027-02-29", "2026-04-31", "2026-00-10", "2026-12-00", "0000-01-01"] {
            #expect(LocalDate(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func theMessageForAMissingOffsetMatchesWhatIsAccepted() {
        #expect(refusal("2026-12-04T17:30:00") == "a date-time without a UTC offset; write it with one, such as 2026-12-04T17:30:00Z or 2026-12-04T17:30:00+01:00")
        #expect(refusal("next friday") == "expected a date-time with a UTC offset such as 2026-12-04T17:30:00Z or 2026-12-04T17:30:00+01:00")
        #expect(refusal("next friday", zone: Self.london)
                == "expected a date-time such as 2026-12-04T17:30:00Z or 2026-12-04T17:30:00+01:00, or 2026-12-04T17:30 read in the leaver's time zone (Europe/London)")
    }

    @Test func aLocalTimeInTheSpringForwardGapIsRefusedSayingSo() {
        #expect(refusal("2027-03-28T01:30:00", zone: Self.london)
                == "a local time that does not exist in Europe/London: the clocks go forward there from +00:00 to +01:00 (write the offset, or a time outside the gap)")
        #expect(DateText.parseDateTime("2027-03-28T02:00:00", defaultTimeZone: Self.london) == DateText.parseDateTime("2027-03-28T01:00:00Z", defaultTimeZone: nil))
    }

    @Test func aLocalTimeInTheAutumnOverlapTakesTheEarlierInstantAndSaysSo() throws {
        guard case .success(let resolved) = DateText.resolveDateTime("2026-10-25T01:30:00", timeZone: Self.london) else {
            Issue.record("the overlap was refused")
            return
        }
        #expect(resolved.date == DateText.parseDateTime("2026-10-25T00:30:00Z", defaultTimeZone: nil))
        #expect(resolved.note == "2026-10-25T01:30:00 occurs twice in Europe/London (the clocks go back); the earlier, 2026-10-25T01:30:00+01:00, was taken")
        guard case .success(let plain) = DateText.resolveDateTime("2026-10-25T03:30:00", timeZone: Self.london) else { return }
        #expect(plain.note == nil)
    }

    @Test func timeZoneNamesAreCheckedBeforeFoundationSeesThem() {
        #expect(TimeZoneName.zone(named: "Europe/London") != nil)
        #expect(TimeZoneName.zone(named: "America/Argentina/Buenos_Aires") != nil)
        for bad in ["Europe/London\u{0312}", "", String(repeating: "A", count: 65), "Europe/Lon don", "Mars/Base"] {
            #expect(TimeZoneName.zone(named: bad) == nil, "\(bad.debugDescription)")
        }
    }

    /// The arithmetic writer says what Foundation's formatter says, for instants across four centuries (leap days,
    /// before 1970, fractions near a whole second) in zones with and without summer time and half-hour offsets.
    @Test func writesDatesAsFoundationsFormatterDoes() {
        var generator = SystemRandomNumberGenerator()
        let zones = [TimeZone.gmt, Self.london, TimeZone(identifier: "America/New_York")!, TimeZone(identifier: "Asia/Kolkata")!,
                     TimeZone(identifier: "Australia/Lord_Howe")!, TimeZone(secondsFromGMT: -34_200)!]
        var instants: [Double] = [0, -0.001, -1, 951_782_400, 951_868_799.999, 1_796_405_400.25, 1_796_405_399.9995, 4_107_542_399.999, -2_208_988_800]
        for _ in 0..<2_000 { instants.append(Double(Int64.random(in: -6_000_000_000_000...7_000_000_000_000, using: &generator)) / 1000) }
        for zone in zones {
            for fractional in [false, true] {
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = fractional ? [.withInternetDateTime, .withFractionalSeconds] : .withInternetDateTime
                formatter.timeZone = zone
                for instant in instants {
                    let date = Date(timeIntervalSince1970: instant)
                    #expect(DateText.iso8601(date, in: zone, fractionalSeconds: fractional) == formatter.string(from: date), "\(instant) in \(zone.identifier)")
                }
            }
        }
    }
}
