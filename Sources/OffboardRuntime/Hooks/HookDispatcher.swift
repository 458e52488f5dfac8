import Engine
import Foundation
import ServiceStores
import Logging
import Playbook
import Synchronization

/// Hands recorded events to the processor as they come: each event is claimed in the store (two servers on one
/// database never act on one event) and acted on as soon as it is claimed, not a batch at a time; the elements
/// about one employee wait for that employee's previous one, so a start and a later date change never race.
///
/// Taking an event is synchronous (a lock, no actor and no queue of its own): a delivery this server records is
/// taken in the store's commit callback, in the order recorded, and its acting starts there. Under a burst of
/// deliveries, a hop per event through a busy executor would make the last of them wait for all the others.
final class HookDispatcher: Sendable {
    let processor: HookProcessor
    /// Names this process in claims.
    let owner = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UInt32.random(in: 0...UInt32.max))"
    /// How long a claim lasts: longer than acting on any event takes (a request waits at most 15 s for its answer).
    static let claim: TimeInterval = 300

    private struct State {
        var inFlight: Set<Int64> = []
        /// Each employee's latest element in hand, as a wait for it to be done (forgotten once it is done and nothing
        /// came after it).
        var lastByEmployee: [String: (token: UInt64, done: @Sendable () async -> Void)] = [:]
        var tokens: UInt64 = 0
        /// The events in hand, until each is acted on.
        var events: [Int64: Task<Void, Never>] = [:]
        /// Deliveries recorded before `open()`, in the order recorded; nil once open.
        var held: [(Int64, HookEvent)]? = []
        /// Set by `close()`: a delivery recorded later stays claimed in the store and is taken over after a restart.
        var closed = false
    }

    private let state = Mutex(State())

    init(processor: HookProcessor) { self.processor = processor }

    /// Claims and starts acting on every recorded event that is due; returns how many were started. Claims held by
    /// a process on this machine that is gone (a server killed while it acted) are taken over first.
    @discardableResult
    func dispatch() async throws -> Int {
        let now = processor.clock.now()
        for claimant in try await processor.store.hookEventClaimants(now: now) where claimant != owner {
            if LeaseHolder(workerID: claimant)?.isDeadOnThisHost == true {
                let taken = try await processor.store.releaseHookEventClaims(of: claimant)
                processor.logger.notice("took over \(taken) hook event(s) claimed by \(claimant), whose process is gone")
            }
        }
        let batch = try await processor.store.claimHookEvents(owner: owner, now: now, until: now.addingTimeInterval(Self.claim), limit: 512)
        return batch.filter { take($0.id, $0.event) }.count
    }

    /// The claim a server's HTTP route records a delivery with: once recorded, the delivery is acted on at once
    /// (after `open()`).
    func claim(now: Date) -> HookClaim {
        HookClaim(owner: owner, until: now.addingTimeInterval(Self.claim)) { [self] id, event in deliver(id, event) }
    }

    /// A delivery this server recorded: taken now, or held until `open()` (in the same hold of the lock as the
    /// check, so no delivery gets ahead of one recorded before it).
    private func deliver(_ id: Int64, _ event: HookEvent) {
        state.withLock { state in
            if state.closed { return }
            if state.held != nil {
                state.held?.append((id, event))
            } else {
                take(id, event, in: &state)
            }
        }
    }

    /// Starts taking deliveries, the held ones first in the order recorded. Called once the first claim has been
    /// taken: an event recorded before this server started (or by a server now gone) is in hand before a newer one
    /// about the same employee, which waits for it.
    func open() {
        state.withLock { state in
            for (id, event) in state.held ?? [] { take(id, event, in: &state) }
            state.held = nil
        }
    }

    /// Stops taking deliveries (the server is stopping).
    func close() { state.withLock { $0.closed = true } }

    /// Starts acting on a claimed event, unless it is in hand already; false then.
    @discardableResult
    func take(_ id: Int64, _ event: HookEvent) -> Bool {
        state.withLock { take(id, event, in: &$0) }
    }

    /// `take`, with the lock held. (Decoding the event and making its tasks happen under the lock: the order events
    /// are taken in is the order their employees' elements wait in.)
    @discardableResult
    private func take(_ id: Int64, _ event: HookEvent, in state: inout State) -> Bool {
        guard state.inFlight.insert(id).inserted else { return false }
        let read = processor.units(of: event)
        // Elements about one employee wait for that employee's previous one: `act` waits for it, acts on the element,
        // and lets the lane go.
        func enterLane(of unit: HookProcessor.Unit) -> (lane: String, token: UInt64, act: @Sendable () async -> HookProcessor.Result) {
            let lane = "\(unit.mapping.source)\u{0}\(unit.employee)"
            state.tokens += 1
            let token = state.tokens, previous = state.lastByEmployee[lane]?.done
            return (lane, token, { [processor] in
                await previous?()
                let result = await processor.act(unit)
                self.laneDone(lane, token)
                return result
            })
        }
        if read.units.count == 1, let unit = read.units.first {
            // The usual event, about one employee: one task acts on it and records what became of it.
            let (lane, token, act) = enterLane(of: unit)
            let task = Task { await self.finish(id, event, results: read.results + [await act()]) }
            state.lastByEmployee[lane] = (token, { await task.value })
            state.events[id] = task
            return true
        }
        var units: [Task<HookProcessor.Result, Never>] = []
        for unit in read.units {
            let (lane, token, act) = enterLane(of: unit)
            let task = Task { await act() }
            state.lastByEmployee[lane] = (token, { _ = await task.value })
            units.append(task)
        }
        let unitTasks = units, first = read.results
        state.events[id] = Task {
            var results = first
            for unit in unitTasks { results.append(await unit.value) }
            await self.finish(id, event, results: results)
        }
        return true
    }

    /// Records what became of an event and lets it go.
    private func finish(_ id: Int64, _ event: HookEvent, results: [HookProcessor.Result]) async {
        do { try await processor.finish(id, event, results: results) } catch {
            processor.logger.error("hook event \(id) was acted on but its outcome could not be recorded: \(String(describing: type(of: error)))")
        }
        done(id)
    }

    private func done(_ id: Int64) {
        state.withLock { state in
            state.inFlight.remove(id)
            state.events[id] = nil
        }
    }

    private func laneDone(_ lane: String, _ token: UInt64) {
        state.withLock { state in
            if state.lastByEmployee[lane]?.token == token { state.lastByEmployee[lane] = nil }
        }
    }

    /// Waits until every event in hand has been acted on (at shutdown, before the worker stops).
    func drain() async {
        while let event = state.withLock({ $0.events.values.first }) { await event.value }
    }

    /// Dispatches until nothing is due, waiting for every event to be acted on.
    func dispatchAndWait() async throws -> Int {
        var count = 0
        while true {
            let started = try await dispatch()
            count += started
            await drain()
            if started == 0 { return count }
        }
    }
}
