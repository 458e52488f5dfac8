import Foundation
import Playbook

/// The step-by-step work of `Planner`, kept free of handlers and I/O.
struct PlanBuilder {
    struct Entry {
        var step: PlannedStep
        var request: HandlerPlanRequest?
        var time: Date
    }

    let playbook: Playbook
    let inputs: BoundInputs
    let now: Date
    var leaveTime: Date?
    var steps: [PlannedStep] = []
    var problems: [Diagnostic] = []
    var finishTimes: [String: Date] = [:]
    var times: [String: Date] = [:]

    init(playbook: Playbook, inputs: BoundInputs, now: Date) {
        self.playbook = playbook
        self.inputs = inputs
        self.now = now
        if let field = playbook.leaveTime {
            leaveTime = (try? field.evaluate(in: scope()))?.instant(in: inputs.timeZone)
        }
    }

    func scope(item: Value? = nil) -> EvaluationScope {
        EvaluationScope(inputs: inputs.values, item: item, stepOutputs: nil, now: now, timeZone: inputs.timeZone)
    }

    mutating func plan(_ step: Step, isFallback: Bool) -> [Entry] {
        let ready = step.needs.compactMap { finishTimes[$0.id] }.max().map { max($0, now) } ?? now
        var base = PlannedStep(
            order: nil, id: step.id, uses: step.uses, description: step.description, item: nil, status: .run, reason: nil,
            needs: step.needs.map(\.id), notBefore: nil, deadline: nil, retry: step.uses == "task" ? nil : step.retry,
            // A task waits for a person, durably: the attempt's timeout and retries only cover opening it, so they are not shown.
            timeout: step.uses == "task" ? nil : step.timeout?.description,
            onFailure: step.onFailure.description, onDeadline: step.onDeadline.map(\.id), parameters: nil, action: nil,
            definedAt: "\(step.provenance.definedAt.file):\(step.provenance.definedAt.line)",
            overriddenAt: step.provenance.overriddenAt.map { "\($0.file):\($0.line)" })
        if isFallback {
            base.status = .onFailure
            let triggers = playbook.steps.filter { if case .run(step.id, _) = $0.onFailure { return true } else { return false } }
            let late = playbook.steps.filter { $0.onDeadline.contains { $0.id == step.id } }
            base.reason = triggers.isEmpty
                ? "runs once for each of \(late.map(\.id).joined(separator: ", ")) that misses its deadline"
                : "runs only if \(triggers.map(\.id).joined(separator: " or ")) fails"
            finishTimes[step.id] = ready
            return [Entry(step: base, request: nil, time: ready)]
        }
        var entries: [Entry] = []
        guard let forEach = step.forEach else {
            let entry = planInstance(step, base: base, item: nil, index: nil, ready: ready)
            finishTimes[step.id] = entry.time
            return [entry]
        }
        let list: Value
        do {
            list = try forEach.evaluate(in: scope())
        } catch {
            return [failed(base, "for_each: \(error.message)", at: error.location, ready: ready)]
        }
        switch list {
        case .unknown:
            base.status = .conditional
            base.reason = "fans out over \(forEach.text), known only while the run executes"
            base.notBefore = planTime(ready)
            entries.append(Entry(step: base, request: nil, time: ready))
        case .list(let items) where items.isEmpty:
            base.status = .skip
            base.reason = "for_each: \(forEach.text) is empty"
            entries.append(Entry(step: base, request: nil, time: ready))
        case .list(let items):
            for (index, item) in items.enumerated() {
                entries.append(planInstance(step, base: base, item: item, index: index, ready: ready))
            }
        case .null:
            base.status = .skip
            base.reason = "for_each: \(forEach.text) has no value"
            entries.append(Entry(step: base, request: nil, time: ready))
        case .bool, .int, .number, .string, .date, .datetime, .duration, .object, .secret:
            return [failed(base, "for_each: \(forEach.text) is a \(list.type), not a list", at: forEach.source.location, ready: ready)]
        }
        finishTimes[step.id] = entries.map(\.time).max() ?? ready
        return entries
    }

    private mutating func failed(_ base: PlannedStep, _ message: String, at location: SourceLocation, ready: Date) -> Entry {
        var step = base
        step.status = .error
        step.reason = message
        problems.append(.error("step '\(base.id)'\(base.item.map { " [\($0)]" } ?? ""): \(message)", at: location))
        finishTimes[base.id] = ready
        return Entry(step: step, request: nil, time: ready)
    }

    private mutating func planInstance(_ step: Step, base: PlannedStep, item: Value?, index: Int?, ready: Date) -> Entry {
        var planned = base
        let scope = scope(item: item)
        if let index, let item {
            do {
                planned.item = try FanOut.itemID(item, index: index, template: step.itemID, scope: scope)
            } catch let failure as RunCore.StepFailure {
                return failed(planned, failure.message, at: step.itemID?.source.location ?? step.location, ready: ready)
            } catch {
                return failed(planned, "\(error)", at: step.location, ready: ready)
            }
        }
        if let when = step.when {
            do {
                switch try when.evaluate(in: scope) {
                case .bool(false):
                    planned.status = .skip
                    planned.reason = "when: \(when.text) is false"
                    return Entry(step: planned, request: nil, time: ready)
                case .bool(true):
                    break
                case .unknown:
                    planned.status = .conditional
                    planned.reason = "runs only if \(when.text) (known while the run executes)"
                case let other:
                    return failed(planned, "when: \(when.text) is \(other == .null ? "null" : "a \(other.type)"), not a bool", at: when.source.location, ready: ready)
                }
            } catch {
                return failed(planned, "when: \(error.message)", at: error.location, ready: ready)
            }
        }
        var start = ready
        if let at = step.at {
            do {
                switch try at.evaluate(in: scope) {
                case .datetime(let date): start = date
                case .date(let date): start = date.startOfDay(in: inputs.timeZone)
                case let other:
                    return failed(planned, "at: \(at.text) is \(other == .null ? "null (no value)" : "a \(other.type)"), not a time", at: at.source.location, ready: ready)
                }
            } catch {
                return failed(planned, "at: \(error.message)", at: error.location, ready: ready)
            }
        }
        if let after = step.after { start = start.addingTimeInterval(TimeInterval(after.seconds)) }
        start = max(start, ready)
        planned.notBefore = planTime(start)
        if let deadline = step.deadline {
            do {
                switch try deadline.evaluate(in: scope) {
                case .duration(let duration): planned.deadline = planTime(start.addingTimeInterval(TimeInterval(duration.seconds)))
                case .datetime(let date): planned.deadline = planTime(date)
                case .date(let date): planned.deadline = planTime(date.startOfDay(in: inputs.timeZone))
                case .null, .bool, .int, .number, .string, .list, .object, .secret, .unknown: break
                }
            } catch {
                return failed(planned, "deadline: \(error.message)", at: error.location, ready: start)
            }
        }
        var parameters: [String: Value] = [:]
        if let with = step.with {
            do {
                if case .object(let fields) = try with.render(in: scope) { parameters = fields }
            } catch {
                return failed(planned, "with: \(error.message)", at: error.location, ready: start)
            }
        }
        planned.parameters = Value.object(parameters).json(in: inputs.timeZone)
        let request = HandlerPlanRequest(stepID: step.id, item: planned.item, parameters: parameters, now: now)
        return Entry(step: planned, request: request, time: start)
    }

    func planTime(_ date: Date) -> PlanTime {
        var relative: String?
        if let leaveTime {
            var seconds = Int(date.timeIntervalSince(leaveTime).rounded())
            // Beyond an hour, seconds are noise (a plan made "now" is seconds off a round time).
            if abs(seconds) >= 3_600 { seconds = Int((Double(seconds) / 60).rounded()) * 60 }
            if seconds == 0 {
                relative = "at the leave time"
            } else if seconds > 0 {
                relative = "leave time + \(PlaybookDuration(seconds: seconds))"
            } else {
                relative = "\(PlaybookDuration(seconds: -seconds)) before the leave time"
            }
        }
        return PlanTime(utc: DateText.iso8601(date), local: DateText.humanReadable(date, in: inputs.timeZone),
                        relative: relative, immediate: date <= now)
    }

    mutating func finish() -> Plan {
        let ordered = orderRunnable(steps)
        let runnableIDs = Set(ordered.filter { $0.status == .run || $0.status == .conditional || $0.status == .onFailure }.map(\.id))
        let secrets = Set(playbook.steps.filter { runnableIDs.contains($0.id) }.flatMap { $0.with?.secretNames ?? [] })
        return Plan(
            playbook: .init(name: playbook.name, version: playbook.version, sha256: playbook.sha256, file: playbook.file),
            now: DateText.iso8601(now), timeZone: inputs.timeZone.identifier, leaveTime: leaveTime.map(planTime),
            inputs: inputs.values.mapValues { $0.json(in: inputs.timeZone) }, steps: ordered, secrets: secrets.sorted(),
            problems: problems, warnings: inputs.warnings)
    }

    /// Runnable steps by start time (the topological position breaking ties), numbered; then the rest.
    private func orderRunnable(_ steps: [PlannedStep]) -> [PlannedStep] {
        let runnable = steps.enumerated().filter { $0.element.status == .run || $0.element.status == .conditional }
            .sorted { ($0.element.notBefore?.utc ?? "", $0.offset) < ($1.element.notBefore?.utc ?? "", $1.offset) }
            .enumerated().map { position, entry in
                var step = entry.element
                step.order = position + 1
                return step
            }
        return runnable + steps.filter { $0.status != .run && $0.status != .conditional }
    }
}
