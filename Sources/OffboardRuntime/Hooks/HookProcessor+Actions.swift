import Engine
import Foundation
import ServiceStores
import Playbook

/// What an HR event does to a leaver's run: start it, move its date, or cancel (and where allowed reverse) it. Each
/// outcome says only what is known to have happened: a request the run's worker has not applied yet is "requested".
extension HookProcessor {
    func actor(_ mapping: HookMapping) -> String { "hook:\(mapping.source)" }

    func leave(_ mapping: HookMapping, _ leaver: HookMapping.Leaver, employee: String, event: Value, item: Value) async throws -> Result {
        guard let effectiveValue = evaluate(leaver.effective, event: event, item: item), effectiveValue != .null,
              let effective = effectiveValue.json().stringValue ?? Optional(effectiveValue.jsonText()) else {
            return Result(sentence: "employee \(employee): no effective date in the event; nothing started")
        }
        let playbook = try catalog.playbook(named: leaver.playbook)
        let scope = HookMapping.scope(event: event, item: item, now: clock.now())
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
        // A leaver whose earlier run was cancelled or reversed (a withdrawal) and who leaves again gets a new run,
        // even for the same date: the start key names the run it follows.
        var key = "hook:\(mapping.source):\(employee):\(effective)"
        let starter = RunStarting(store: store, clock: clock, worker: worker)
        // The usual event, about someone no run is recorded for yet: made in one write, which checks that too.
        do {
            let made = try await starter.start(playbook, inputs: inputs, key: key, by: actor(mapping),
                                               for: HookLeaver(source: mapping.source, employee: employee, effective: effective, onlyIfUnknown: true))
            return started(made, playbook: playbook, employee: employee, effective: effective)
        } catch is HookLeaverKnown {}
        let known = try await store.hookLeaver(source: mapping.source, employee: employee)
        var earlier: RunSummary?
        if let known { earlier = try await store.summary(of: known.runID) }
        if let run = earlier, let next = RunStarting.key(key, after: run) { key = next }
        if let known, let run = earlier, run.state != .cancelled, run.state != .reversed {
            if known.effective == effective { return Result(sentence: "employee \(employee): a repeat of the event that started run \(run.id)", run: run.id) }
            guard !run.state.isFinished else {
                return Result(sentence: "employee \(employee): run \(run.id) has \(run.state.rawValue); the new effective date \(effective) is noted, nothing rescheduled", run: run.id)
            }
            guard case .object(let bound) = inputs.json, let moved = bound[leaver.reschedule]?.stringValue else {
                return Result(sentence: "employee \(employee): input \(leaver.reschedule) has no value to move run \(run.id) to", run: run.id)
            }
            let request = RunRequest(runID: run.id, kind: .reschedule, reason: "\(mapping.source) moved the effective date from \(known.effective) to \(effective)",
                                     fields: [leaver.reschedule: moved], requestedBy: actor(mapping), requestedAt: clock.now(), allowPast: true)
            switch try await worker.submit(request) {
            case .applied:
                try await store.setHookLeaver(source: mapping.source, employee: employee, runID: run.id, effective: effective)
                return Result(sentence: "employee \(employee): run \(run.id) rescheduled, \(leaver.reschedule) → \(moved)", run: run.id)
            case .pending:
                // Not yet applied: the mapping keeps the date the run has, so a repeat of this event asks again.
                return Result(sentence: "employee \(employee): rescheduling run \(run.id) to \(leaver.reschedule) → \(moved) is requested; "
                              + "the worker holding it applies it when it next looks", run: run.id)
            case .refused(let refused):
                return Result(sentence: "employee \(employee): run \(run.id) was not rescheduled: \(refused.problems.joined(separator: "; "))", run: run.id)
            case .noSuchRun:
                key = RunStarting.key(key, following: run.id)
            }
        }
        // Recorded as this employee's run in the same write that makes it (or finds it, for a repeat).
        let made = try await starter.start(playbook, inputs: inputs, key: key, by: actor(mapping),
                                           for: HookLeaver(source: mapping.source, employee: employee, effective: effective))
        return started(made, playbook: playbook, employee: employee, effective: effective)
    }

    /// What starting a leaver's run did.
    func started(_ started: StartedRun, playbook: Playbook, employee: String, effective: String) -> Result {
        Result(sentence: started.created ? "employee \(employee): started run \(started.id) (\(playbook.name), effective \(effective))"
               : "employee \(employee): a repeat of the event that started run \(started.id)", run: started.id)
    }

    func withdraw(_ mapping: HookMapping, _ withdrawn: HookMapping.Withdrawn, employee: String) async throws -> Result {
        guard let known = try await store.hookLeaver(source: mapping.source, employee: employee), let stored = try await store.loadRun(known.runID) else {
            return Result(sentence: "employee \(employee): withdrawn, and no run was started for them; nothing to cancel")
        }
        let id = stored.summary.id, state = stored.summary.state
        if state == .cancelled || state == .reversed { return Result(sentence: "employee \(employee): run \(id) is already \(state.rawValue)", run: id) }
        if !state.isFinished {
            let cancel = RunRequest(runID: id, kind: .cancel, reason: "\(mapping.source): the leave was withdrawn", requestedBy: actor(mapping), requestedAt: clock.now())
            switch try await worker.submit(cancel) {
            case .applied: break
            case .pending:
                return Result(sentence: "employee \(employee): cancelling run \(id) is requested; the worker holding it applies it when it next looks", run: id)
            case .refused(let refused):
                return Result(sentence: "employee \(employee): run \(id) was not cancelled: \(refused.problems.joined(separator: "; "))", run: id)
            case .noSuchRun:
                return Result(sentence: "employee \(employee): run \(id) is gone", run: id)
            }
        }
        // Whether it acted is read once the cancel has stopped it: a step that started meanwhile counts.
        guard let after = try await store.loadRun(id) else { return Result(sentence: "employee \(employee): run \(id) is gone", run: id) }
        if !(try await acted(after)) {
            return Result(sentence: "employee \(employee): run \(id) cancelled before it acted", run: id)
        }
        guard withdrawn.reverse else {
            return Result(sentence: "employee \(employee): run \(id) had acted; \(state.isFinished ? "it had finished" : "what had not run is cancelled"); "
                          + "not reversed (withdrawn.reverse is false): reverse the run if it should be undone", run: id)
        }
        let reverse = RunRequest(runID: id, kind: .reverse, reason: "\(mapping.source): the leave was withdrawn", requestedBy: actor(mapping), requestedAt: clock.now())
        switch try await worker.submit(reverse) {
        case .applied(let now): return Result(sentence: "employee \(employee): run \(id) had acted; its reversal has begun, it is \(now.rawValue)", run: id)
        case .pending: return Result(sentence: "employee \(employee): run \(id) had acted; its reversal is requested, the worker holding it applies it when it next looks", run: id)
        case .refused(let refused): return Result(sentence: "employee \(employee): run \(id) was not reversed: \(refused.problems.joined(separator: "; "))", run: id)
        case .noSuchRun: return Result(sentence: "employee \(employee): run \(id) is gone", run: id)
        }
    }

    /// True when a step other than a log line has started (a log step changes nothing anywhere).
    func acted(_ stored: StoredRun) async throws -> Bool {
        let steps = try PinnedPlaybooks(catalog: catalog.registry).playbook(for: stored).steps
        return stored.journal.contains { entry in
            guard case .step(let instance, .start) = entry.event else { return false }
            return steps.first { $0.id == instance.step }?.uses != "log"
        }
    }
}
