import Engine
import Foundation
import ServiceStores
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
    struct Result: Sendable {
        var sentence: String
        var run: String?
        /// Something failed that may not fail next time (the store, the worker): the event is tried again later.
        var retry = false
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
        if results.contains(where: \.retry) {
            try await store.retryHookEvent(id, at: clock.now().addingTimeInterval(60))
            logger.warning("hook event \(id) from \(event.source) is tried again in 60 s")
            return
        }
        let outcome = results.map(\.sentence).joined(separator: "; ")
        try await store.finishHookEvent(id, outcome: outcome.isEmpty ? "nothing to do" : outcome, runID: results.last(where: { $0.run != nil })?.run,
                                        at: clock.now())
        logger.notice("hook event \(id) from \(event.source): \(SafeText.terminal(outcome))")
    }

    /// The event's elements, each with its employee, and what became of those that cannot be acted on (an element
    /// without an employee is skipped alone; the others are still acted on).
    func units(of event: HookEvent) -> (units: [Unit], results: [Result]) {
        guard let mapping = mappings[event.source] else { return ([], [Result(sentence: "no mapping for source \(event.source) (it was removed); ignored")]) }
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: event.body) else { return ([], [Result(sentence: "the body is not JSON; ignored")]) }
        let body = Value(json)
        var items = [body]
        if let each = mapping.each {
            guard case .list(let list)? = evaluate(each, event: body, item: nil) else { return ([], [Result(sentence: "each: did not give a list; ignored")]) }
            items = list
        }
        var units: [Unit] = [], results: [Result] = []
        for (index, item) in items.enumerated() {
            switch evaluate(mapping.employee, event: body, item: item) {
            case .string(let text)? where !text.isEmpty: units.append(Unit(employee: text, mapping: mapping, body: body, item: item))
            case .int(let number)?: units.append(Unit(employee: String(number), mapping: mapping, body: body, item: item))
            default: results.append(Result(sentence: "element \(index + 1) has no employee; it is skipped"))
            }
        }
        return (units, results)
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
            logger.error("hook event from \(mapping.source) for employee \(SafeText.terminal(employee)) could not be acted on yet: \(String(describing: type(of: error)))")
            return Result(sentence: "employee \(employee): could not be acted on yet; it is tried again", retry: true)
        }
    }

    func evaluate(_ field: ExpressionField, event: Value, item: Value?) -> Value? {
        HookMapping.evaluate(field, event: event, item: item, now: clock.now())
    }
}

extension JSONValue {
    /// The text of a string value.
    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}
