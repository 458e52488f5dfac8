import Foundation
import Playbook

extension RunCore {
    /// Decides everything that can happen at `now`, until nothing changes.
    mutating func advance(at now: Date, into decision: inout RunDecision) throws {
        defer {
            decision.nextWake = state.isFinished ? nil : nextWake
            decision.state = state
        }
        guard state != .pending, !state.isFinished else { return }
        if case .cancelling(let cancel, _) = phase {
            try cancelEverything(reason: "run cancelled: \(cancel.reason)", into: &decision)
            let running = order.filter { if case .running = instances[$0]?.state { return true } else { return false } }
            if running.isEmpty {
                try record(.runFinished(state: .cancelled), into: &decision)
            } else {
                decision.cancelAttempts = running
            }
            return
        }
        var changed = true
        while changed {
            changed = false
            for key in index.timers.due(at: now) {
                try record(.step(instance: key, event: .fire), into: &decision)
                changed = true
            }
            changed = try recordMissedDeadlines(at: now, into: &decision) || changed
            if case .aborting(let aborted, _) = phase {
                changed = try cancelEverything(reason: "run aborted: \(aborted) failed", into: &decision) || changed
            } else {
                changed = try expandReadySteps(at: now, into: &decision) || changed
                changed = try schedulePendingInstances(at: now, into: &decision) || changed
            }
            changed = try startDueAttempts(at: now, into: &decision) || changed
        }
        let unsettled = index.open > 0
        if !unsettled, !playbook.steps.contains(where: { expansions[$0.id] == nil && (!fallbacks.contains($0.id) || triggeredFallbacks.contains($0.id)) }) {
            // A reversal is judged by its compensations alone.
            let judged = instances.values.filter { reversal == nil || $0.kind.isCompensation }
            let failed = judged.contains { $0.state == .failed || $0.state == .cancelled }
            try record(.runFinished(state: failed ? .failed : (reversal == nil ? .succeeded : .reversed)), into: &decision)
            return
        }
        let busy = index.running > 0 || [index.timers.first, index.startTimes.first].contains { $0.map { $0 <= now } ?? false }
        phase = phase.idle(!busy)
    }

    /// Cancels every instance that has not started, and records steps never reached as cancelled.
    @discardableResult
    private mutating func cancelEverything(reason: String, into decision: inout RunDecision) throws -> Bool {
        var changed = false
        for step in topologicalOrder where expansions[step] == nil && (!fallbacks.contains(step) || triggeredFallbacks.contains(step)) {
            try record(.stepExpanded(step: step, items: nil), into: &decision)
            changed = true
        }
        for key in order {
            guard let state = instances[key]?.state, !state.isTerminal else { continue }
            if case .running = state { continue }
            try record(.step(instance: key, event: .cancel(reason: reason)), into: &decision)
            changed = true
        }
        return changed
    }

    /// Creates the instances of steps whose needs have all finished.
    private mutating func expandReadySteps(at now: Date, into decision: inout RunDecision) throws -> Bool {
        // Only a step whose needs changed can have become ready (or one cleared, or a fallback triggered).
        noteDependentsOfTouchedSteps()
        var changed = false
        var position = -1
        while let next = takeCandidate(after: position) {
            position = next
            // A step expanded and finished just now (an empty or failing for_each) makes the steps after it that need
            // it candidates in this same sweep, as a walk of every step in topological order would reach them.
            defer { noteDependentsOfTouchedSteps() }
            let stepID = topologicalOrder[next]
            guard expansions[stepID] == nil, let step = stepsByID[stepID] else { continue }
            if fallbacks.contains(stepID), !triggeredFallbacks.contains(stepID) { continue }
            guard needsFinished(step) else { continue }
            changed = true
            if blockingNeed(step) != nil || step.forEach == nil {
                try record(.stepExpanded(step: stepID, items: nil), into: &decision)
                continue
            }
            do {
                let items = try fanOutItems(step, at: now)
                if items.isEmpty {
                    try record(.stepExpanded(step: stepID, items: nil), into: &decision)
                    try record(.step(instance: InstanceKey(step: stepID), event: .skip(reason: "for_each: \(step.forEach!.text) is empty")), into: &decision)
                } else {
                    try record(.stepExpanded(step: stepID, items: items), into: &decision)
                }
            } catch let failure as StepFailure {
                try record(.stepExpanded(step: stepID, items: nil), into: &decision)
                try record(.step(instance: InstanceKey(step: stepID), event: .fail(message: failure.message, retryable: false, retryAt: nil)), into: &decision)
            }
        }
        return changed
    }

    /// Decides each pending instance: cancelled (a need failed), skipped (`when` is false), or
    /// scheduled at its start time.
    private mutating func schedulePendingInstances(at now: Date, into decision: inout RunDecision) throws -> Bool {
        var changed = false
        for key in index.pending.keys {
            guard instances[key]?.state == .pending, let step = stepsByID[key.step], needsFinished(step) else { continue }
            changed = true
            if let (need, state) = blockingNeed(step) {
                try record(.step(instance: key, event: .cancel(reason: "needs \(need), which \(state == .failed ? "failed" : "was cancelled")")), into: &decision)
                continue
            }
            do {
                let scope = evaluationScope(for: key, at: now)
                if let when = step.when {
                    switch try evaluate(when, in: scope, what: "when") {
                    case .bool(false):
                        try record(.step(instance: key, event: .skip(reason: "when: \(when.text) is false")), into: &decision)
                        continue
                    case .bool(true): break
                    case let other: throw StepFailure(message: "when: \(when.text) is \(other == .null ? "null" : "a \(other.type)"), not a bool")
                    }
                }
                let start = try startTime(of: step, scope: scope, now: now)
                try record(.step(instance: key, event: .schedule(notBefore: start)), into: &decision)
                if let due = try deadline(of: step, readyAt: start, scope: scope) {
                    try record(.deadlineSet(instance: key, due: due), into: &decision)
                }
            } catch let failure as StepFailure {
                try record(.step(instance: key, event: .fail(message: failure.message, retryable: false, retryAt: nil)), into: &decision)
            }
        }
        return changed
    }

    /// When an instance of `step` may start: its `at` (or now), plus `after`, never before now.
    func startTime(of step: Step, scope: EvaluationScope, now: Date) throws -> Date {
        var start = now
        if let at = step.at {
            switch try evaluate(at, in: scope, what: "at") {
            case .datetime(let date): start = date
            case .date(let date): start = date.startOfDay(in: timeZone)
            case let other: throw StepFailure(message: "at: \(at.text) is \(other == .null ? "null" : "a \(other.type)"), not a time")
            }
        }
        if let after = step.after { start = start.addingTimeInterval(TimeInterval(after.seconds)) }
        // Down to the millisecond the journal keeps, not to the nearest one: a step due now must be due at once.
        // Rounded up half the time, it waited for the driver's next wake and another commit before it started
        // (84 ms of a run's first step under a burst of HR triggers).
        return Date(timeIntervalSince1970: (max(start, now).timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    /// When an instance ready at `readyAt` must be done by: a duration counts from `readyAt`, a time is absolute.
    func deadline(of step: Step, readyAt: Date, scope: EvaluationScope) throws -> Date? {
        guard let deadline = step.deadline else { return nil }
        switch try evaluate(deadline, in: scope, what: "deadline") {
        case .duration(let duration): return Self.milliseconds(readyAt.addingTimeInterval(TimeInterval(duration.seconds)))
        case .datetime(let date): return Self.milliseconds(date)
        case .date(let date): return date.startOfDay(in: timeZone)
        case .null: return nil
        case let other: throw StepFailure(message: "deadline: \(deadline.text) is a \(other.type), not a duration or a time")
        }
    }

    /// Marks every instance whose deadline has passed before it was done; their `on_deadline` steps are triggered.
    @discardableResult
    mutating func recordMissedDeadlines(at now: Date, into decision: inout RunDecision) throws -> Bool {
        var changed = false
        for key in index.deadlines.due(at: now) {
            guard let record = instances[key], let due = record.deadline, due <= now, !record.missedDeadline, !record.state.isTerminal else { continue }
            try self.record(.deadlineMissed(instance: key, due: due), into: &decision)
            for escalation in stepsByID[key.step]?.onDeadline ?? [] {
                var details: [String: JSONValue] = ["step": .string(key.step), "due": .string(DateText.iso8601(due, in: timeZone))]
                details["item"] = key.item.map(JSONValue.string) ?? .null
                let name = key.item.map { "\(key.step):\($0)" } ?? key.step
                try self.record(.escalationAdded(step: escalation.id, item: FanOutItem(id: name, value: .object(details))), into: &decision)
            }
            changed = true
        }
        return changed
    }

    /// Starts due attempts, up to `maxParallel` running at once.
    private mutating func startDueAttempts(at now: Date, into decision: inout RunDecision) throws -> Bool {
        var changed = false
        // Every instance this looks at either starts or fails (and leaves the queue) or is not due yet (and is passed).
        var passed = 0
        while index.running < maxParallel, passed < index.startable.count {
            let key = index.startable.entries[passed].key
            guard let record = instances[key], let step = stepsByID[key.step] else {
                preconditionFailure("run \(runID): startable instance \(key) has no record or step")
            }
            switch record.state {
            case .scheduled(let date), .retrying(_, let date):
                guard date <= now else {
                    passed += 1
                    continue
                }
            case .pending, .running, .waiting, .awaitingPerson, .awaitingApproval, .succeeded, .failed, .skipped, .cancelled:
                preconditionFailure("run \(runID): instance \(key) is \(record.state) but queued to start")
            }
            changed = true
            var parameters: [String: Value] = [:]
            if let with = step.with {
                do {
                    if case .object(let fields) = try with.render(in: evaluationScope(for: key, at: now)) { parameters = fields }
                } catch {
                    try self.record(.step(instance: key, event: .fail(message: "with: \(error.message)", retryable: false, retryAt: nil)), into: &decision)
                    continue
                }
            }
            let attempt = record.attempts + 1
            try self.record(.step(instance: key, event: .start(attempt: attempt)), into: &decision)
            decision.attempts.append(AttemptRequest(instance: key, attempt: attempt, uses: step.uses, parameters: parameters,
                                                    idempotencyKey: key.idempotencyKey(run: runID), timeout: step.timeout,
                                                    removesAccess: record.kind.isCompensation ? false : step.removesAccess))
        }
        return changed
    }

    /// True when every step `step` needs has been expanded and all its instances are terminal.
    /// A fallback step (named by an `on_failure`) runs when triggered, whatever it lists in `needs`.
    private func needsFinished(_ step: Step) -> Bool {
        if isCompensation(step.id) {
            guard let previous = previousCompensation(step.id) else { return true }
            return (index.openByStep[previous] ?? 0) == 0
        }
        if fallbacks.contains(step.id) { return true }
        return step.needs.allSatisfy { need in expansions[need.id] != nil && (index.openByStep[need.id] ?? 0) == 0 }
    }

    /// Only a step whose needs changed can have become ready: the steps that need a touched one become candidates.
    private mutating func noteDependentsOfTouchedSteps() {
        for step in index.takeTouchedSteps() { for dependent in dependents[step] ?? [] { noteCandidate(dependent) } }
    }

    /// Marks a step as one the next decision should look at to expand.
    mutating func noteCandidate(_ step: String) {
        guard let position = topologicalPosition[step] else { return }
        let at = candidateSlot(position)
        if at == expansionCandidates.count || expansionCandidates[at] != position { expansionCandidates.insert(position, at: at) }
    }

    /// Takes the first candidate after `position` in topological order, if any.
    private mutating func takeCandidate(after position: Int) -> Int? {
        let at = candidateSlot(position + 1)
        guard at < expansionCandidates.count else { return nil }
        return expansionCandidates.remove(at: at)
    }

    private func candidateSlot(_ position: Int) -> Int {
        var low = 0, high = expansionCandidates.count
        while low < high {
            let middle = (low + high) / 2
            if expansionCandidates[middle] < position { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The first need that failed or was cancelled, which stops `step` from running.
    private func blockingNeed(_ step: Step) -> (String, StepState)? {
        if isCompensation(step.id) {
            guard let previous = previousCompensation(step.id), (index.stoppedByStep[previous] ?? 0) > 0 else { return nil }
            for key in expansions[previous] ?? [] {
                if let state = instances[key]?.state, state == .failed || state == .cancelled { return (previous, state) }
            }
            return nil
        }
        if fallbacks.contains(step.id) { return nil }
        for need in step.needs where (index.stoppedByStep[need.id] ?? 0) > 0 {
            for key in expansions[need.id] ?? [] {
                if let state = instances[key]?.state, state == .failed || state == .cancelled { return (need.id, state) }
            }
        }
        return nil
    }

    struct StepFailure: Error {
        var message: String
    }

    func evaluationScope(for key: InstanceKey, at now: Date) -> EvaluationScope {
        EvaluationScope(inputs: inputs, item: instances[key]?.itemValue.map(Value.init), stepOutputs: stepOutputs, stepRemovals: stepRemovals,
                        now: now, timeZone: timeZone)
    }

    func evaluate(_ field: ExpressionField, in scope: EvaluationScope, what: String) throws -> Value {
        do {
            return try field.evaluate(in: scope)
        } catch {
            throw StepFailure(message: "\(what): \(error.message)")
        }
    }

    /// The fan-out items of a `for_each` step, named by `item_id`, the item itself when it is a
    /// string or a number, or its position.
    private func fanOutItems(_ step: Step, at now: Date) throws -> [FanOutItem] {
        let forEach = step.forEach!
        let list = try evaluate(forEach, in: EvaluationScope(inputs: inputs, stepOutputs: stepOutputs, now: now, timeZone: timeZone), what: "for_each")
        guard case .list(let values) = list else {
            if list == .null { return [] }
            throw StepFailure(message: "for_each: \(forEach.text) is a \(list.type), not a list")
        }
        var seen: Set<String> = []
        return try values.enumerated().map { index, value in
            let id = try FanOut.itemID(value, index: index, template: step.itemID, scope: EvaluationScope(
                inputs: inputs, item: value, stepOutputs: stepOutputs, now: now, timeZone: timeZone))
            guard seen.insert(id).inserted else {
                throw StepFailure(message: "for_each gives two items named '\(id)'; set item_id to something unique")
            }
            return FanOutItem(id: id, value: value.json(in: timeZone))
        }
    }
}

/// How fan-out items are named, shared by runs and dry runs.
public enum FanOut {
    /// The item's name: `item_id` rendered, else the item itself when it is text or a number, else
    /// its position. Names never contain `/` (they are part of idempotency keys).
    public static func itemID(_ value: Value, index: Int, template: TemplateField?, scope: EvaluationScope) throws -> String {
        var id = String(index)
        if let template {
            do {
                guard let text = try template.render(in: scope).interpolationText(in: scope.timeZone) else {
                    throw RunCore.StepFailure(message: "item_id has no value for item \(index)")
                }
                id = text
            } catch let error as RenderError {
                throw RunCore.StepFailure(message: "item_id: \(error.message)")
            }
        } else if case .string(let text) = value {
            id = text
        } else if case .int(let number) = value {
            id = String(number)
        }
        guard !id.isEmpty, id.count <= 128, !id.contains("/"), !id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw RunCore.StepFailure(message: "fan-out item name '\(id)' must be 1–128 characters without '/' or control characters")
        }
        return id
    }
}
