import Foundation
import Playbook

/// One step instance's record inside a run.
public struct InstanceRecord: Sendable, Hashable {
    public var key: InstanceKey
    public var kind: InstanceKind = .step
    public var state: StepState = .pending
    /// Attempts started, including interrupted ones.
    public var attempts = 0
    /// Attempts that failed (these use up the retry policy; interrupted ones do not).
    public var failures = 0
    /// Attempts that were cut off by a crash and run again.
    public var interruptions = 0
    public var output: JSONValue?
    /// The handler's check that the effect holds, made after the attempt that succeeded.
    public var verification: VerificationResult?
    /// What the handler of a step that ends access reported it found and changed.
    public var removal: AccessRemoval?
    public var lastError: String?
    /// Why the step was skipped or cancelled.
    public var reason: String?
    /// The fan-out element, for a `for_each` step.
    public var itemValue: JSONValue?
    /// When the instance became ready (its scheduled start).
    public var readyAt: Date?
    /// When it must be done by, if its step has a `deadline`.
    public var deadline: Date?
    /// Set once the deadline passed before the instance was done.
    public var missedDeadline = false
    /// The task opened for a person, for a `task` step.
    public var task: TaskSpec?
    public var completion: TaskCompletion?
    /// Approvers who signed the completed task off, in order (each as the playbook names them).
    public var approvals: [String] = []
    /// The people who gave those approvals, in the same order.
    public var approvingPeople: [String] = []
    /// Who rejected the task, and why.
    public var rejection: TaskRejection?
    /// The order in which instances of the run succeeded (1 for the first), for reversal.
    public var successOrder: Int?
}

/// Why a journal cannot be applied to a run.
public struct RunTransitionError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
}

/// The pure core of a run: its state and every decision about it. It never reads a clock, awaits,
/// logs or touches a store; time comes in as an argument and work goes out as a `RunDecision`.
///
/// Inputs (`start`, `tick`, `attemptFinished`, `requestCancel`, `redrive`, `recover`) return the
/// events to journal and the attempts to execute. `apply` replays a journaled event. Two cores are equal when they
/// hold the same run in the same place (the playbook compared by its hash; whether an active run is idle is left
/// out: the last decision found it so at its own `now`, which no journal entry records): a core rebuilt from a journal
/// equals the core that decided it.
public struct RunCore: Sendable, Equatable {
    public let runID: String
    public let playbook: Playbook
    /// The leaver's record; time inputs change when the run is rescheduled.
    public internal(set) var inputs: [String: Value]
    public let timeZone: TimeZone
    /// Most attempts of this run executing at once.
    public let maxParallel: Int

    /// Where the run is in its life (see `RunPhase`).
    var phase: RunPhase = .pending
    /// The state the run reads as.
    public var state: RunState { phase.state }
    /// Change only through `setRecord`, which keeps `index` in step.
    public internal(set) var instances: [InstanceKey: InstanceRecord] = [:]
    /// What decisions ask of the instances, kept as they change (see `InstanceIndex`).
    var index = InstanceIndex()
    /// Instances in the order they were created.
    public internal(set) var order: [InstanceKey] = []
    /// Step id → its instances, for steps that were expanded.
    var expansions: [String: [InstanceKey]] = [:]
    /// Attempt and interruption counts of instances a redrive cleared: a re-expanded instance
    /// continues the numbering, so attempt numbers stay unique per idempotency key.
    var clearedCounts: [InstanceKey: ClearedCounts] = [:]
    var triggeredFallbacks: Set<String> = []
    /// Set once the run is being reversed: the steps whose compensations run, newest first.
    public internal(set) var reversal: Reversal?
    /// What the run is, from its row: journaled with `run.started` so the row can be checked against the chain.
    public var startFacts: RunStartFacts?
    /// The facts the journal's `run.started` recorded, when it recorded them.
    public internal(set) var recordedStartFacts: RunStartFacts?
    var successes = 0
    /// Whether `run.started` is journaled.
    var hasStarted = false

    let topologicalOrder: [String]
    /// Each step's place in `topologicalOrder`.
    let topologicalPosition: [String: Int]
    /// Step id → the steps that need it.
    let dependents: [String: [String]]
    /// Steps that may have become ready to expand since the last decision looked, by topological position.
    var expansionCandidates: [Int]
    let fallbacks: Set<String>
    let stepsByID: [String: Step]
    /// Each step with a `compensate:` → the id of the step that undoes it; and back.
    let compensationIDs: [String: String]
    let undoneSteps: [String: String]

    public init(runID: String, playbook: Playbook, inputs: [String: Value], timeZone: TimeZone, maxParallel: Int = 8) {
        self.runID = runID
        self.playbook = playbook
        self.inputs = inputs
        self.timeZone = timeZone
        self.maxParallel = max(1, maxParallel)
        topologicalOrder = NeedsGraph(steps: playbook.steps).topologicalOrder() ?? playbook.steps.map(\.id)
        topologicalPosition = Dictionary(topologicalOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var dependents: [String: [String]] = [:]
        for step in playbook.steps { for need in step.needs { dependents[need.id, default: []].append(step.id) } }
        self.dependents = dependents
        expansionCandidates = Array(topologicalOrder.indices)
        fallbacks = playbook.fallbackStepIDs
        var steps: [String: Step] = [:], compensations: [String: String] = [:]
        for step in playbook.steps {
            steps[step.id] = step
            if let undo = Self.compensationStep(for: step) {
                steps[undo.id] = undo
                compensations[step.id] = undo.id
            }
        }
        stepsByID = steps
        compensationIDs = compensations
        undoneSteps = Dictionary(compensations.map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public static func == (lhs: RunCore, rhs: RunCore) -> Bool {
        lhs.runID == rhs.runID && lhs.playbook.sha256 == rhs.playbook.sha256 && lhs.inputs == rhs.inputs && lhs.timeZone == rhs.timeZone
            && lhs.maxParallel == rhs.maxParallel && lhs.phase.idle(false) == rhs.phase.idle(false) && lhs.instances == rhs.instances && lhs.order == rhs.order
            && lhs.expansions == rhs.expansions && lhs.clearedCounts == rhs.clearedCounts && lhs.triggeredFallbacks == rhs.triggeredFallbacks
            && lhs.reversal == rhs.reversal && lhs.startFacts == rhs.startFacts && lhs.recordedStartFacts == rhs.recordedStartFacts
            && lhs.successes == rhs.successes && lhs.hasStarted == rhs.hasStarted && lhs.index == rhs.index
    }

    /// The step with this id: a playbook step, or the compensation step (`undo:ID`) of one.
    public func step(_ id: String) -> Step? { stepsByID[id] }

    /// The leaver's leave time (the playbook's `leave_time`, a date read as its start in the leaver's zone), if it has one.
    public func leaveTime(now: Date) -> Date? {
        guard let field = playbook.leaveTime else { return nil }
        return (try? field.evaluate(in: EvaluationScope(inputs: inputs, now: now, timeZone: timeZone)))?.instant(in: timeZone)
    }

    /// Instances in creation order.
    public var orderedInstances: [InstanceRecord] { order.compactMap { instances[$0] } }

    /// The earliest time something is due (a scheduled start, a back-off, a wait, a deadline). Instances due but
    /// waiting for one of the run's parallel slots are not: a slot frees when an attempt ends, which is an input of
    /// its own, so waking for them would only find every slot still taken.
    public var nextWake: Date? {
        var times = [index.timers.first, index.deadlines.first]
        if index.running < maxParallel { times.append(index.startTimes.first) }
        return times.compactMap { $0 }.min()
    }

    /// The earliest deadline of a step still open whose deadline is not yet recorded as missed: a run list can tell a
    /// run is overdue from it (and from the missed deadlines its journal records) without replaying the run.
    public var nextDeadline: Date? { index.deadlines.first }

    /// Outputs of finished steps, as expressions see them (`steps.ID.output`).
    var stepOutputs: [String: Value] { index.outputs }

    /// Where each single-instance step stands as an access removal (`steps.ID.removal`).
    var stepRemovals: [String: String] { index.removals }

    /// Stores (or, with nil, drops) an instance's record, keeping the index in step.
    mutating func setRecord(_ record: InstanceRecord?, for key: InstanceKey) {
        index.replace(instances[key], with: record)
        instances[key] = record
    }

    /// Applies one journaled event (a replay, or an event just decided). Illegal events throw.
    public mutating func apply(_ event: RunEvent) throws {
        switch event {
        case .runStarted(let facts):
            guard !hasStarted else { throw RunTransitionError(description: "run \(runID) started twice") }
            hasStarted = true
            recordedStartFacts = facts
            // A cancel asked for before the start (journaled just before it) stays asked for.
            if case .pending = phase { phase = .running(idle: false) }
        case .stepExpanded(let step, let items):
            guard expansions[step] == nil else { throw RunTransitionError(description: "step \(step) expanded twice") }
            let keys: [InstanceKey]
            if let items {
                keys = items.map { InstanceKey(step: step, item: $0.id) }
                for (key, item) in zip(keys, items) { setRecord(freshRecord(key, kind: .fanOutItem, itemValue: item.value.value), for: key) }
                index.noteFanOut(step)
            } else {
                keys = [InstanceKey(step: step)]
                setRecord(freshRecord(keys[0], kind: .step, itemValue: nil), for: keys[0])
            }
            expansions[step] = keys
            order += keys
        case .stepCleared(let step):
            guard let keys = expansions[step], keys.allSatisfy({ [.failed, .cancelled].contains(instances[$0]?.state) }) else {
                throw RunTransitionError(description: "step \(step) cannot be cleared: not all its instances failed or were cancelled")
            }
            for key in keys {
                if let record = instances[key] { clearedCounts[key] = ClearedCounts(attempts: record.attempts, interruptions: record.interruptions) }
                setRecord(nil, for: key)
            }
            order.removeAll { $0.step == step }
            expansions[step] = nil
            index.forgetStep(step)
            noteCandidate(step)
        case .step(let key, let stepEvent):
            try applyStepEvent(stepEvent, to: key)
        case .cancelRequested(let reason, let by):
            guard !state.isFinished else { throw RunTransitionError(description: "run \(runID) is already \(state.rawValue)") }
            phase = .cancelling(CancelRequest(reason: reason, by: by), idle: state == .waiting)
        case .redriven(let step, _):
            guard state == .failed else { throw RunTransitionError(description: "only a failed run can be redriven; run \(runID) is \(state.rawValue)") }
            if let step, expansions[step] == nil, stepsByID[step] == nil {
                throw RunTransitionError(description: "run \(runID) has no step \(step)")
            }
            phase = .running(idle: false)
        case .runFinished(let finalState):
            guard !state.isFinished, finalState.isFinished else {
                throw RunTransitionError(description: "run \(runID) cannot finish as \(finalState.rawValue) while \(state.rawValue)")
            }
            phase = .finished(finalState)
        case .deadlineSet(let key, let due):
            guard instances[key] != nil else { throw RunTransitionError(description: "run \(runID) has no step instance \(key)") }
            var record = instances[key]!
            record.deadline = due
            setRecord(record, for: key)
        case .deadlineMissed(let key, _):
            guard let record = instances[key], !record.missedDeadline else {
                throw RunTransitionError(description: "step \(key) of run \(runID) has no deadline left to miss")
            }
            var missed = record
            missed.missedDeadline = true
            setRecord(missed, for: key)
        case .escalationAdded(let step, let item):
            let key = InstanceKey(step: step, item: item.id)
            guard stepsByID[step] != nil, instances[key] == nil else { throw RunTransitionError(description: "escalation \(key) cannot be added to run \(runID)") }
            setRecord(freshRecord(key, kind: .escalation, itemValue: item.value.value), for: key)
            expansions[step, default: []].append(key)
            order.append(key)
        case .reversalStarted(let steps, let by, let reason):
            guard state.isFinished, state != .reversed, reversal == nil else {
                throw RunTransitionError(description: "run \(runID) is \(state.rawValue); only a finished run can be reversed, once")
            }
            try startReversal(of: steps, by: by, reason: reason)
        case .rescheduled(let changes, _, _):
            guard !state.isFinished else { throw RunTransitionError(description: "run \(runID) is already \(state.rawValue)") }
            for (name, text) in changes.sorted(by: { $0.key < $1.key }) {
                guard let declaration = playbook.input(name), [.date, .datetime].contains(declaration.type) else {
                    throw RunTransitionError(description: "run \(runID): '\(name)' is not a date or datetime input")
                }
                switch InputBinding.convert(text: text, to: declaration, timeZone: timeZone) {
                case .success(let value): inputs[name] = value
                case .failure(let problem): throw RunTransitionError(description: "run \(runID): \(name): \(problem.message)")
                }
            }
        }
    }

    /// A new instance record, continuing the counts of a cleared instance with the same key.
    private func freshRecord(_ key: InstanceKey, kind: InstanceKind, itemValue: JSONValue?) -> InstanceRecord {
        var record = InstanceRecord(key: key, kind: kind, itemValue: itemValue)
        if let counts = clearedCounts[key] {
            record.attempts = counts.attempts
            record.interruptions = counts.interruptions
        }
        return record
    }

    private mutating func applyStepEvent(_ event: StepEvent, to key: InstanceKey) throws {
        guard var record = instances[key] else { throw RunTransitionError(description: "run \(runID) has no step instance \(key)") }
        record.state = try StepTransition.apply(event, to: record.state, attempts: record.attempts, instance: key.description)
        switch event {
        case .start(let attempt): record.attempts = attempt
        case .succeed(let output, let verification, let removal):
            record.output = output.value
            record.verification = verification
            record.removal = removal
            successes += 1
            record.successOrder = successes
        case .fail(let message, _, _):
            record.failures += 1
            record.lastError = message
            if record.failures >= 1, case .failed = record.state, let step = stepsByID[key.step] {
                noteFinalFailure(of: key, policy: step.onFailure)
            }
        case .interrupt: record.interruptions += 1
        case .skip(let reason), .cancel(let reason): record.reason = reason
        case .schedule(let date), .reschedule(let date): record.readyAt = date
        case .openTask(let spec): record.task = spec
        case .complete(let completion): record.completion = completion
        case .approve(let by, let approver):
            record.approvals.append(approver ?? by)
            record.approvingPeople.append(by)
        case .reject(let by, let reason):
            record.rejection = TaskRejection(by: by, reason: reason)
            record.lastError = "rejected by \(by): \(reason)"
            record.failures += 1
            if let step = stepsByID[key.step] { noteFinalFailure(of: key, policy: step.onFailure) }
        case .reset:
            record.reason = nil
            record.lastError = nil
            record.failures = 0
        case .suspend, .fire: break
        }
        setRecord(record, for: key)
    }

    private mutating func noteFinalFailure(of key: InstanceKey, policy: FailurePolicy) {
        switch policy {
        case .abort:
            // The first abort counts; a cancel asked for already wins over it.
            if case .running(let idle) = phase { phase = .aborting(because: key, idle: idle) }
        case .continue: break
        case .run(let fallback, _):
            triggeredFallbacks.insert(fallback)
            noteCandidate(fallback)
        }
    }
}

/// A reversal in progress or done: who asked, why, and the steps undone, newest first.
public struct Reversal: Sendable, Hashable {
    public var steps: [String]
    public var by: String
    public var reason: String
}
