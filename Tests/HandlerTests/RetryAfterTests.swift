import Foundation
@testable import Handlers
import Testing

/// `Retry-After` comes from a server: it is parsed by hand, bounded, and never crashes the worker.
@Suite struct RetryAfterTests {
    let now = Date(timeIntervalSince1970: 784_111_777) // Sun, 06 Nov 1994 08:49:37 GMT

    @Test func readsDeltaSecondsAndHTTPDates() {
        #expect(RetryAfter.seconds("120", now: now) == 120)
        #expect(RetryAfter.seconds(" 5 ", now: now) == 5)
        #expect(RetryAfter.seconds("Sun, 06 Nov 1994 08:50:37 GMT", now: now) == 60)
        #expect(RetryAfter.seconds("Sun, 06 Nov 1994 08:40:00 GMT", now: now) == 0)
    }

    @Test func hostileValuesAreIgnoredOrBoundedNeverInfinite() {
        for bad in ["1e400", "inf", "nan", "-5", "12.5", "Sun, 06 Nov 1994 08:49:37 GMT\u{0312}", "Sun, 31 Feb 1994 08:49:37 GMT",
                    "Sun, 06 Nov 1994 24:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 PST", "", "   "] {
            #expect(RetryAfter.seconds(bad, now: now) == nil, "\(bad.debugDescription)")
        }
        #expect(RetryAfter.seconds("99999999999999999999", now: now) == RetryAfter.longest)
        #expect(RetryAfter.seconds("Fri, 31 Dec 9999 23:59:59 GMT", now: now) == RetryAfter.longest)
    }
}
