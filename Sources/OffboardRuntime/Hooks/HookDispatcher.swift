import Engine
import Foundation
import Logging
import Playbook

/// Hands recorded events to the processor as they come: each event is claimed in the store (two servers on one
/// database never act on one event) and acted on as soon as it is claimed, not a batch at a time; the elements
/// about one employee wait for that employee's previous one, so a start and a later date change never race.
actor HookDispatcher {
    let processor: HookProcessor
    /// Names this process in claims.
    let owner = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UInt32.random(in: 0...UInt32.max))"
    /// How long a claim lasts: longer than acting on any event takes (a request waits at most 15 s for its answer).
    static let claim: TimeInterval = 300
    private var inFlight: Set<Int64> = []
    /// Each employee's latest element in hand (forgotten once it is done and nothing came after it).
    private var lastByEmployee: [String: (token: UInt64, task: Task<Void, Never>)] = [:]
    private var tokens: UInt64 = 0
    /// The events in hand, until each is acted on.
    private var events: [Int64: Task<Void, Never>] = [:]

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
            .filter { !inFlight.contains($0.id) }
        for (id, event) in batch { take(id, event) }
        return batch.count
    }

    /// The claim a server's HTTP route records a delivery with, so this dispatcher acts on it at once.
    nonisolated func claim(now: Date, taking: @escaping @Sendable (Int64, HookEvent) -> Void) -> HookClaim {
        HookClaim(owner: owner, until: now.addingTimeInterval(Self.claim), recorded: taking)
    }

    /// Starts acting on an event claimed for this dispatcher (unless it is in hand already).
    func take(_ id: Int64, _ event: HookEvent) {
        guard inFlight.insert(id).inserted else { return }
        let read = processor.units(of: event)
        var units: [Task<HookProcessor.Result, Never>] = []
        for unit in read.units {
            let lane = "\(unit.mapping.source)\u{0}\(unit.employee)"
            let previous = lastByEmployee[lane]?.task
            tokens += 1
            let token = tokens
            let task = Task { [processor] in
                await previous?.value
                let result = await processor.act(unit)
                self.laneDone(lane, token)
                return result
            }
            lastByEmployee[lane] = (token, Task { _ = await task.value })
            units.append(task)
        }
        let unitTasks = units, first = read.results
        events[id] = Task { [processor] in
            var results = first
            for unit in unitTasks { results.append(await unit.value) }
            do { try await processor.finish(id, event, results: results) } catch {
                processor.logger.error("hook event \(id) was acted on but its outcome could not be recorded: \(String(describing: type(of: error)))")
            }
            self.done(id)
        }
    }

    private func done(_ id: Int64) {
        inFlight.remove(id)
        events[id] = nil
    }

    private func laneDone(_ lane: String, _ token: UInt64) {
        if lastByEmployee[lane]?.token == token { lastByEmployee[lane] = nil }
    }

    /// Waits until every event in hand has been acted on (at shutdown, before the worker stops).
    func drain() async {
        while let event = events.values.first { await event.value }
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
