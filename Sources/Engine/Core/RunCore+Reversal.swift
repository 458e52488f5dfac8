import Foundation
import Playbook

/// Reversal (a rehire, a withdrawn resignation): the `compensate:` of every step the journal shows
/// succeeded runs, newest first, one step after another. Each compensation is a step of its own
/// (`CompensationID`), with the same fan-out items as the step it undoes and the same retry policy; its instances
/// are of kind `compensation`.
extension RunCore {
    static func compensationStep(for step: Step) -> Step? {
        guard let compensation = step.compensate else { return nil }
        var undo = Step(id: CompensationID.of(step.id), uses: compensation.uses, usesLocation: compensation.usesLocation, location: step.location)
        undo.with = compensation.with
        undo.retry = step.retry
        undo.timeout = step.timeout
        undo.description = "undo \(step.id)"
        return undo
    }

    /// Steps that succeeded and can be undone, newest success first; and those that succeeded but
    /// declare no `compensate` (they stay done).
    public func reversalCandidates() -> (undoable: [String], permanent: [String]) {
        var lastSuccess: [String: Int] = [:]
        for record in instances.values where record.state == .succeeded && !record.kind.isCompensation {
            lastSuccess[record.key.step] = max(lastSuccess[record.key.step] ?? 0, record.successOrder ?? 0)
        }
        let succeeded = lastSuccess.sorted { $0.value > $1.value }.map(\.key)
        return (succeeded.filter { compensationIDs[$0] != nil }, succeeded.filter { compensationIDs[$0] == nil })
    }

    /// Reverses a finished run: plans the compensations from the journal and starts the first.
    public mutating func reverse(by: String, reason: String, at now: Date) throws -> RunDecision {
        if let refusal = stateRefusal(of: .reverse) { throw refusal }
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw RequestRefused(.invalidValue, "a reversal needs a reason", field: "reason") }
        let steps = reversalCandidates().undoable
        guard !steps.isEmpty else { throw RequestRefused(.nothingToDo, "run \(runID) has no succeeded step with a compensate: to run") }
        var decision = RunDecision()
        try record(.reversalStarted(steps: steps, by: by, reason: reason), into: &decision)
        try advance(at: now, into: &decision)
        return decision
    }

    /// Applies `reversalStarted`: the run runs again, for the compensation instances only.
    mutating func startReversal(of steps: [String], by: String, reason: String) throws {
        reversal = Reversal(steps: steps, by: by, reason: reason)
        phase = .running(idle: false)
        for step in steps {
            guard let undo = compensationIDs[step], expansions[undo] == nil else { throw RunTransitionError(description: "step \(step) of run \(runID) cannot be undone") }
            let originals = (expansions[step] ?? []).filter { instances[$0]?.state == .succeeded }
            let keys = originals.map { InstanceKey(step: undo, item: $0.item) }
            for (key, original) in zip(keys, originals) {
                var record = InstanceRecord(key: key, kind: .compensation(undoing: step))
                record.itemValue = instances[original]?.itemValue
                setRecord(record, for: key)
            }
            expansions[undo] = keys
            order += keys
        }
    }

    /// The compensation step that must finish before `undo` starts (the one undone just before it).
    func previousCompensation(_ undo: String) -> String? {
        guard let reversal, let undone = undoneSteps[undo], let index = reversal.steps.firstIndex(of: undone), index > 0 else { return nil }
        return compensationIDs[reversal.steps[index - 1]]
    }

    /// True for the step a reversal runs to undo another.
    func isCompensation(_ stepID: String) -> Bool { undoneSteps[stepID] != nil }
}

/// One compensation a reversal would run, with its parameters rendered (secrets stay references).
public struct PlannedCompensation: Sendable, Hashable {
    public var undoes: InstanceKey
    /// The compensation's own step id (as a handler's plan request names it).
    public var stepID: String
    public var uses: String
    public var parameters: [String: Value]
    /// Why the parameters cannot be rendered, if they cannot.
    public var problem: String?
}

extension RunCore {
    /// What `offboard reverse` would run, in order, without recording anything.
    public func plannedCompensations(at now: Date) -> [PlannedCompensation] {
        reversalCandidates().undoable.flatMap { stepID -> [PlannedCompensation] in
            guard let undoID = compensationIDs[stepID], let undo = stepsByID[undoID] else { return [] }
            return (expansions[stepID] ?? []).filter { instances[$0]?.state == .succeeded }.map { key in
                var planned = PlannedCompensation(undoes: key, stepID: undoID, uses: undo.uses, parameters: [:])
                do {
                    if case .object(let fields)? = try undo.with?.render(in: evaluationScope(for: key, at: now)) { planned.parameters = fields }
                } catch {
                    planned.problem = (error as? RenderError)?.message ?? "\(error)"
                }
                return planned
            }
        }
    }
}
