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
    struct Result {
        var sentence: String
        var run: String?
    }

    /// Acts on every event not yet acted on; returns how many.
    @discardableResult
    public func processPending() async throws -> Int {
        var count = 0
        while true {
            let batch = try await store.unhandledHookEvents(limit: 50)
            if batch.isEmpty { return count }
            for (id, event) in batch {
                let results = await process(event)
                let outcome = results.map(\.sentence).joined(separator: "; ")
                try await store.finishHookEvent(id, outcome: outcome.isEmpty ? "nothing to do" : outcome, runID: results.last(where: { $0.run != nil })?.run,
                                                at: clock.now())
                logger.notice("hook event \(id) from \(event.source): \(SafeText.terminal(outcome))")
                count += 1
            }
        }
    }

    func process(_ event: HookEvent) async -> [Result] {
        guard let mapping = mappings[event.source] else { return [Result(sentence: "no mapping for source \(event.source) (it was removed); ignored")] }
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: event.body) else { return [Result(sentence: "the body is not JSON; ignored")] }
        let body = Value(json)
        var items = [body]
        if let each = mapping.each {
            switch evaluate(each, event: body, item: nil) {
            case .list(let list)?: items = list
            default: return [Result(sentence: "each: did not give a list; ignored")]
            }
        }
        var results: [Result] = []
        for item in items {
            let employee: String
            switch evaluate(mapping.employee, event: body, item: item) {
            case .string(let text)? where !text.isEmpty: employee = text
            case .int(let number)?: employee = String(number)
            default:
                results.append(Result(sentence: "an event without an employee; ignored"))
                continue
            }
            do {
                if let leaver = mapping.leaver, evaluate(leaver.when, event: body, item: item) == .bool(true) {
                    results.append(try await leave(mapping, leaver, employee: employee, event: body, item: item))
                } else if let withdrawn = mapping.withdrawn, evaluate(withdrawn.when, event: body, item: item) == .bool(true) {
                    results.append(try await withdraw(mapping, withdrawn, employee: employee))
                } else {
                    results.append(Result(sentence: "employee \(employee): not a leaver event; ignored"))
                }
            } catch {
                logger.error("hook event from \(mapping.source) for employee \(employee) could not be acted on: \(error)")
                results.append(Result(sentence: "employee \(employee): could not be acted on (the error is logged on the server)"))
            }
        }
        return results
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
