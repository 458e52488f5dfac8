import Engine
import Foundation
import Logging
import Playbook

/// Acts on recorded HR events, oldest first: starts a leaver's run, moves its date, or cancels (and, where the
/// mapping allows, reverses) it. Idempotent by the leaver, not the delivery: a duplicate or retried event for the
/// same source, employee and effective date finds the first run. Every change is journaled as `hook:<source>`.
public struct HookProcessor: Sendable {
    public let store: any ServiceStore
    public let mappings: [String: HookMapping]
    public let catalog: PlaybookCatalog
    public let worker: Engine.Worker
    public let clock: any EngineClock
    public let logger: Logger

    public init(store: any ServiceStore, mappings: [HookMapping], catalog: PlaybookCatalog, worker: Engine.Worker, clock: any EngineClock,
                logger: Logger = Logger(label: "offboard.hooks")) {
        self.store = store
        self.mappings = Dictionary(mappings.map { ($0.source, $0) }, uniquingKeysWith: { first, _ in first })
        self.catalog = catalog
        self.worker = worker
        self.clock = clock
        self.logger = logger
    }

    /// What became of one element of an event.
    struct Result: Sendable, Error {
        var sentence: String
        var run: String?
    }

    /// One element of an event to act on: who it is about and what to do.
    struct Unit: Sendable {
        var employee: String
        var mapping: HookMapping
        var body: Value
        var item: Value
    }

    /// Acts on every event not yet acted on and waits for them; returns how many.
    @discardableResult
    public func processPending() async throws -> Int {
        let dispatcher = HookDispatcher(processor: self)
        return try await dispatcher.dispatchAndWait()
    }

    /// Records what became of an event, once each of its elements has been acted on.
    func finish(_ id: Int64, _ event: HookEvent, results: [Result]) async throws {
        let outcome = results.map(\.sentence).joined(separator: "; ")
        try await store.finishHookEvent(id, outcome: outcome.isEmpty ? "nothing to do" : outcome, runID: results.last(where: { $0.run != nil })?.run,
                                        at: clock.now())
        logger.notice("hook event \(id) from \(event.source): \(SafeText.terminal(outcome))")
    }

    /// The event's elements, each with its employee; or why there is nothing to act on.
    func units(of event: HookEvent) -> Swift.Result<[Unit], Result> {
        guard let mapping = mappings[event.source] else { return .failure(Result(sentence: "no mapping for source \(event.source) (it was removed); ignored")) }
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: event.body) else { return .failure(Result(sentence: "the body is not JSON; ignored")) }
        let body = Value(json)
        var items = [body]
        if let each = mapping.each {
            guard case .list(let list)? = evaluate(each, event: body, item: nil) else { return .failure(Result(sentence: "each: did not give a list; ignored")) }
            items = list
        }
        var units: [Unit] = []
        for item in items {
            switch evaluate(mapping.employee, event: body, item: item) {
            case .string(let text)? where !text.isEmpty: units.append(Unit(employee: text, mapping: mapping, body: body, item: item))
            case .int(let number)?: units.append(Unit(employee: String(number), mapping: mapping, body: body, item: item))
            default: return .failure(Result(sentence: "an event without an employee; ignored"))
            }
        }
        return .success(units)
    }

    /// Acts on one element: a leaver (start or reschedule), a withdrawal, or nothing.
    func act(_ unit: Unit) async -> Result {
        let mapping = unit.mapping, employee = unit.employee
        do {
            if let leaver = mapping.leaver, evaluate(leaver.when, event: unit.body, item: unit.item) == .bool(true) {
                return try await leave(mapping, leaver, employee: employee, event: unit.body, item: unit.item)
            } else if let withdrawn = mapping.withdrawn, evaluate(withdrawn.when, event: unit.body, item: unit.item) == .bool(true) {
                return try await withdraw(mapping, withdrawn, employee: employee)
            }
            return Result(sentence: "employee \(employee): not a leaver event; ignored")
        } catch {
            logger.error("hook event from \(mapping.source) for employee \(employee) could not be acted on: \(error)")
            return Result(sentence: "employee \(employee): could not be acted on (the error is logged on the server)")
        }
    }

    func evaluate(_ field: ExpressionField, event: Value, item: Value?) -> Value? {
        var scope = EvaluationScope(inputs: [:], item: item ?? event, now: clock.now())
        scope.event = event
        scope.missingIsNull = true
        return try? Evaluator.evaluate(field.expression, in: scope)
    }

    func actor(_ mapping: HookMapping) -> String { "hook:\(mapping.source)" }

    func leave(_ mapping: HookMapping, _ leaver: HookMapping.Leaver, employee: String, event: Value, item: Value) async throws -> Result {
        guard let effectiveValue = evaluate(leaver.effective, event: event, item: item), effectiveValue != .null,
              let effective = effectiveValue.json().stringValue ?? Optional(effectiveValue.jsonText()) else {
            return Result(sentence: "employee \(employee): no effective date in the event; nothing started")
        }
        let playbook = try catalog.playbook(named: leaver.playbook)
        var scope = EvaluationScope(inputs: [:], item: item, now: clock.now())
        scope.event = event
        scope.missingIsNull = true
        var record: [String: JSONValue] = [:]
        for input in leaver.inputs {
            if let value = try? input.value.template.render(in: scope), value != .null { record[input.name] = value.json() }
        }
        let node = LeaverRecord.node(from: .object(record), file: "\(mapping.source) event")
        let inputs: BoundInputs
        do {
            inputs = try LeaverRecord.bind(node, to: playbook, now: clock.now())
        } catch {
            let problems = LeaverRecord.problems(error.diagnostics.filter { $0.severity == .error }, record: node, playbook: playbook)
            return Result(sentence: "employee \(employee): the event does not fit playbook \(playbook.name): "
                          + problems.map { "\($0.field.map { "\($0): " } ?? "")\($0.message)" }.joined(separator: "; "))
        }
        if let known = try await store.hookLeaver(source: mapping.source, employee: employee),
           let run = try await store.summary(of: known.runID), run.state != .cancelled, run.state != .reversed {
            if known.effective == effective { return Result(sentence: "employee \(employee): a repeat of the event that started run \(run.id)", run: run.id) }
            guard !run.state.isFinished else {
                return Result(sentence: "employee \(employee): run \(run.id) has \(run.state.rawValue); the new effective date \(effective) is noted, nothing rescheduled", run: run.id)
            }
            guard case .object(let bound) = InputBinder.json(inputs), let moved = bound[leaver.reschedule]?.stringValue else {
                return Result(sentence: "employee \(employee): input \(leaver.reschedule) has no value to move run \(run.id) to", run: run.id)
            }
            let request = RunRequest(runID: run.id, kind: .reschedule, reason: "\(mapping.source) moved the effective date from \(known.effective) to \(effective)",
                                     fields: [leaver.reschedule: moved], requestedBy: actor(mapping), requestedAt: clock.now(), allowPast: true)
            switch try await worker.submit(request) {
            case .applied, .pending:
                try await store.setHookLeaver(source: mapping.source, employee: employee, runID: run.id, effective: effective)
                return Result(sentence: "employee \(employee): run \(run.id) rescheduled, \(leaver.reschedule) → \(moved)", run: run.id)
            case .refused(let refused):
                return Result(sentence: "employee \(employee): run \(run.id) was not rescheduled: \(refused.problems.joined(separator: "; "))", run: run.id)
            case .noSuchRun:
                break
            }
        }
        let started = try await RunStarter(store: store, clock: clock).start(playbook, inputs: inputs, key: "hook:\(mapping.source):\(employee):\(effective)",
                                                                            by: actor(mapping))
        try await store.setHookLeaver(source: mapping.source, employee: employee, runID: started.id, effective: effective)
        return Result(sentence: started.created ? "employee \(employee): started run \(started.id) (\(playbook.name), effective \(effective))"
                      : "employee \(employee): a repeat of the event that started run \(started.id)", run: started.id)
    }

    func withdraw(_ mapping: HookMapping, _ withdrawn: HookMapping.Withdrawn, employee: String) async throws -> Result {
        guard let known = try await store.hookLeaver(source: mapping.source, employee: employee), let stored = try await store.loadRun(known.runID) else {
            return Result(sentence: "employee \(employee): withdrawn, and no run was started for them; nothing to cancel")
        }
        let id = stored.summary.id, state = stored.summary.state
        if state == .cancelled || state == .reversed { return Result(sentence: "employee \(employee): run \(id) is already \(state.rawValue)", run: id) }
        // Acted: a step other than a log line has started (a log step changes nothing anywhere).
        let steps = (try? await PinnedPlaybooks(catalog: catalog.registry).playbook(for: stored))?.steps ?? []
        let acted = stored.journal.contains { entry in
            guard case .step(let instance, .start) = entry.event else { return false }
            return steps.first { $0.id == instance.step }?.uses != "log"
        }
        if !state.isFinished {
            let cancel = RunRequest(runID: id, kind: .cancel, reason: "\(mapping.source): the leave was withdrawn", requestedBy: actor(mapping), requestedAt: clock.now())
            if case .refused(let refused) = try await worker.submit(cancel) {
                return Result(sentence: "employee \(employee): run \(id) was not cancelled: \(refused.problems.joined(separator: "; "))", run: id)
            }
            if !acted { return Result(sentence: "employee \(employee): run \(id) cancelled before it acted", run: id) }
        }
        guard withdrawn.reverse else {
            return Result(sentence: "employee \(employee): run \(id) had acted; \(state.isFinished ? "it had finished" : "what had not run is cancelled"); "
                          + "not reversed (withdrawn.reverse is false): undo it with offboard reverse if it should be", run: id)
        }
        let reverse = RunRequest(runID: id, kind: .reverse, reason: "\(mapping.source): the leave was withdrawn", requestedBy: actor(mapping), requestedAt: clock.now())
        switch try await worker.submit(reverse) {
        case .applied(let after), .pending(let after): return Result(sentence: "employee \(employee): run \(id) had acted; reversal requested, it is \(after.rawValue)", run: id)
        case .refused(let refused): return Result(sentence: "employee \(employee): run \(id) was not reversed: \(refused.problems.joined(separator: "; "))", run: id)
        case .noSuchRun: return Result(sentence: "employee \(employee): run \(id) is gone", run: id)
        }
    }
}

extension JSONValue {
    /// The text of a string value.
    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}

/// Hands recorded events to the processor as they come: each event is acted on as soon as it is fetched (not a
/// batch at a time), and the elements about one employee wait for that employee's previous one, so a start and a
/// later date change for one leaver never race.
actor HookDispatcher {
    let processor: HookProcessor
    private var inFlight: Set<Int64> = []
    /// Each employee's latest element in hand (forgotten once it is done and nothing came after it).
    private var lastByEmployee: [String: (token: UInt64, task: Task<Void, Never>)] = [:]
    private var tokens: UInt64 = 0
    /// The events in hand, until each is acted on.
    private var events: [Int64: Task<Void, Never>] = [:]

    init(processor: HookProcessor) { self.processor = processor }

    /// Starts acting on every recorded event not yet in hand; returns how many were started.
    @discardableResult
    func dispatch() async throws -> Int {
        let batch = try await processor.store.unhandledHookEvents(limit: 512).filter { !inFlight.contains($0.id) }
        for (id, event) in batch {
            inFlight.insert(id)
            var units: [Task<HookProcessor.Result, Never>] = []
            var immediate: HookProcessor.Result?
            switch processor.units(of: event) {
            case .failure(let result): immediate = result
            case .success(let found):
                for unit in found {
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
            }
            let unitTasks = units, first = immediate
            events[id] = Task { [processor] in
                var results = first.map { [$0] } ?? []
                for unit in unitTasks { results.append(await unit.value) }
                do { try await processor.finish(id, event, results: results) } catch {
                    processor.logger.error("hook event \(id) was acted on but its outcome could not be recorded: \(error)")
                }
                self.done(id)
            }
        }
        return batch.count
    }

    private func done(_ id: Int64) {
        inFlight.remove(id)
        events[id] = nil
    }

    private func laneDone(_ lane: String, _ token: UInt64) {
        if lastByEmployee[lane]?.token == token { lastByEmployee[lane] = nil }
    }

    /// Dispatches until nothing is left, waiting for every event to be acted on.
    func dispatchAndWait() async throws -> Int {
        var count = 0
        while true {
            let started = try await dispatch()
            count += started
            for event in Array(events.values) { await event.value }
            if started == 0 { return count }
        }
    }
}
