@testable import Engine
import Foundation
import Playbook
import Testing

/// Run ids: `r-YYYYMMDD-` and 12 hex digits, the day in UTC.
@Suite struct RunIDTests {
    @Test func anIDNamesItsUTCDayAndTwelveHexDigits() throws {
        // 23:59:59.9 on 31 December 2026 in UTC is already 1 January 2027 in Berlin: the id says 2026-12-31.
        let id = RunStarter.newRunID(at: Date(timeIntervalSince1970: 1_798_761_599.9))
        #expect(id.hasPrefix("r-20261231-"), "\(id)")
        let random = id.dropFirst("r-20261231-".count)
        #expect(random.count == 12 && random.allSatisfy(\.isHexDigit) && random == random.lowercased(), "\(id)")
        #expect(RunStarter.newRunID(at: Date(timeIntervalSince1970: 1_798_761_599.9996)).hasPrefix("r-20261231-"), "not rounded into the next day")
        #expect(RunStarter.newRunID(at: Date(timeIntervalSince1970: 0)).hasPrefix("r-19700101-"))
    }

    @Test func tenThousandIDsOfOneDayAreDistinctAndPadded() {
        let day = Date(timeIntervalSince1970: 1_796_000_000)
        let ids = (0..<10_000).map { _ in RunStarter.newRunID(at: day) }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == "r-20261201-".count + 12 })
    }

    /// The day is worked out by arithmetic (every HR trigger makes an id): it agrees with the UTC calendar day on
    /// every day from 1970 to 2400, and at both ends of each.
    @Test func theDayAgreesWithTheCalendarForFourCenturies() {
        for day in stride(from: 0, to: 157_000, by: 1) {
            for second in [0.0, 86_399.9996] {
                let date = Date(timeIntervalSince1970: Double(day) * 86_400 + second)
                let expected = "r-" + DateText.iso8601(Date(timeIntervalSince1970: Double(day) * 86_400)).prefix(10).filter { $0 != "-" } + "-"
                let id = RunStarter.newRunID(at: date)
                if !id.hasPrefix(expected) {
                    Issue.record("\(date): \(id), expected \(expected)…")
                    return
                }
            }
        }
    }
}
