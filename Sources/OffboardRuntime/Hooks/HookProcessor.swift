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
        var event: Int
        var employee: String
        var mapping: HookMapping
        var body: Value
        var item: Value
    }

    /// Acts on every event not yet acted on; returns how many. The events of one batch are acted on at once, each
    /// employee's in the order they came (so a start and a later date change for one leaver never race).
    @discardableResult
    public func processPending() async throws -> Int {
        var count = 0
        while true {
            let batch = try await store.unhandledHookEvents(limit: 64)
            if batch.isEmpty { return count }
            var results = Array(repeating: [Result](), count: batch.count)
            var lanes: [String: [Unit]] = [:], order: [String] = []
            for (index, (_, event)) in batch.enumerated() {
                switch units(of: event, index: index) {
                case .failure(let result): results[index] = [result]
                case .success(let found):
                    for unit in found {
                        let lane = "\(unit.mapping.source)\u{0}\(unit.employee)"
                        if lanes[lane] == nil { order.append(lane) }
                        lanes[lane, default: []].append(unit)
                    }
                }
            }
            let acted = await withTaskGroup(of: [(Int, Result)].self) { group in
                for lane in order {
                    let units = lanes[lane] ?? []
                    group.addTask {
                        var done: [(Int, Result)] = []
                        for unit in units { done.append((unit.event, await self.act(unit))) }
                        return done
                    }
                }
                var all: [(Int, Result)] = []
                for await done in group { all += done }
                return all
            }
            for (index, result) in acted { results[index].append(result) }
            for (index, (id, event)) in batch.enumerated() {
                let outcome = results[index].map(\.sentence).joined(separator: "; ")
                try await store.finishHookEvent(id, outcome: outcome.isEmpty ? "nothing to do" : outcome,
                                                runID: results[index].last(where: { $0.run != nil })?.run, at: clock.now())
                logger.notice("hook event \(id) from \(event.source): \(SafeText.terminal(outcome))")
                count += 1
            }
        }
    }

    /// The event's elements, each with its employee; or why there is nothing to act on.
    func units(of event: HookEvent, index: Int) -> Swift.Result<[Unit], Result> {
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
            case .string(let text)? where !text.isEmpty: units.append(Unit(event: index, employee: text, mapping: mapping, body: body, item: item))
            case .int(let number)?: units.append(Unit(event: index, employee: String(number), mapping: mapping, body: body, item: item))
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
