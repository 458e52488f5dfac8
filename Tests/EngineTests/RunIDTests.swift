@testable import Engine
import Foundation
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
}
