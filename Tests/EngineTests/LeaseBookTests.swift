@testable import Engine
import Foundation
import Testing

/// The lease rules of a worker, on made-up times with nothing sleeping: what a renewal round renews, what it gives
/// up as lapsed, what it learns another worker holds, and what it ends when the store cannot be reached.
@Suite struct LeaseBookTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aRoundRenewsWhatIsHeldAndReportsWhatAnotherWorkerTook() {
        var book = LeaseBook(duration: 30)
        _ = book.keep("r1", at: Self.t0)
        _ = book.keep("r2", at: Self.t0)
        #expect(book.nextRound(after: Self.t0) == Self.t0.addingTimeInterval(10), "every third of the lease")
        let round = book.beginRound(at: Self.t0.addingTimeInterval(10))
        #expect(round.lapsed.isEmpty && round.renew == ["r1", "r2"] && round.renewUntil == Self.t0.addingTimeInterval(40))
        #expect(book.renewed(["r1"], of: round.renew, until: round.renewUntil) == ["r2"], "the store did not renew r2: it is held elsewhere")
        #expect(book.leases["r1"]?.expiresAt == Self.t0.addingTimeInterval(40))
        #expect(book.leases["r2"] == nil)
    }

    @Test func aLeasePastItsExpiryIsLostWithoutAskingTheStore() {
        var book = LeaseBook(duration: 30)
        _ = book.keep("paused", at: Self.t0)
        _ = book.keep("fresh", at: Self.t0.addingTimeInterval(20))
        // The process was paused for 40 s: the first lease lapsed meanwhile, whatever the store would say now.
        let round = book.beginRound(at: Self.t0.addingTimeInterval(40))
        #expect(round.lapsed.map(\.id) == ["paused"] && round.lapsed.first?.expiredAt == Self.t0.addingTimeInterval(30))
        #expect(round.renew == ["fresh"])
    }

    @Test func anUnreachableStoreEndsTheLeasesThatCouldLapseBeforeTheNextRound() {
        var book = LeaseBook(duration: 30)
        _ = book.keep("old", at: Self.t0)
        _ = book.keep("new", at: Self.t0.addingTimeInterval(10))
        let now = Self.t0.addingTimeInterval(20)
        _ = book.beginRound(at: now)
        #expect(book.unreachable(at: now) == ["old"], "10 s left of 30: under half, it could lapse before the next round is sure")
        #expect(book.leases.keys.sorted() == ["new"])
    }

    @Test func forgettingIsForOneKeepingOnly() {
        var book = LeaseBook(duration: 30)
        let first = book.keep("r1", at: Self.t0)
        let second = book.keep("r1", at: Self.t0.addingTimeInterval(5))
        book.forget("r1", token: first)
        #expect(book.leases["r1"]?.token == second, "an old driver's forget does not drop the run claimed again")
        book.forget("r1", token: second)
        #expect(book.leases.isEmpty)
        #expect(book.renewed([], of: ["r1"], until: Self.t0).isEmpty, "a run let go meanwhile is not reported lost")
    }
}
