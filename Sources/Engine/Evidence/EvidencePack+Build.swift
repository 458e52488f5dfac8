import Foundation
import Playbook

extension EvidencePack {
    /// Builds the pack by replaying the run's journal. `chain` is the journal as stored, checked
    /// here; `removesAccess` says whether a handler type ends access (a step's `removes_access` wins).
    public static func build(_ stored: StoredRun, playbook: Playbook, chain: StoredChain?, removesAccess: (String) -> Bool,
                             now: Date) throws -> EvidencePack {
        // What the pack says about the run itself comes from the chained journal's first entry, not the run row
        // (which anyone with the file can edit); the row is checked against it below.
        let recorded: RunStartFacts? = if case .runStarted(let facts?)? = stored.journal.first?.event { facts } else { nil }
        var fromJournal = stored
        if let recorded {
            // Personal inputs are tokens in the journal and are withheld from the pack: the row's stand in.
            let personal = Set(playbook.inputs.filter(\.personal).map(\.name))
            if case .object(var fields) = recorded.inputs.value, case .object(let row) = stored.inputs {
                for name in personal { fields[name] = row[name] }
                fromJournal.inputs = .object(fields)
            }
            fromJournal.timeZone = recorded.timeZone
            fromJournal.summary.createdBy = recorded.triggeredBy
            fromJournal.summary.createdAt = recorded.triggeredAt
            fromJournal.summary.playbookName = recorded.playbook
            fromJournal.summary.playbookVersion = recorded.version
            fromJournal.summary.playbookSHA256 = recorded.sha256
        }
        // Personal values stay tokens (⟪full_name⟫): the pack keeps only what the evidence needs.
        let core = try RunCore.replaying(fromJournal, playbook: playbook, revealPersonal: false)
        let timeZone = core.timeZone
        var times: [InstanceKey: InstanceTimes] = [:]
        var missed: [MissedDeadline] = []
        var changes: [Reschedule] = []
        var cancellation: Cancellation?
        var reversal: ReversalFacts?
        var finishedAt: Date?
        for entry in stored.journal {
            switch entry.event {
            case .step(let key, let event): times[key, default: InstanceTimes()].note(event, at: entry.at)
            case .deadlineMissed(let key, let due):
                missed.append(MissedDeadline(step: key.step, item: key.item, due: due, recordedAt: entry.at, escalations: []))
            case .escalationAdded(let step, let item):
                // Journaled right after the miss that set it off; filled in from the instance below.
                if !missed.isEmpty {
                    let key = InstanceKey(step: step, item: item.id)
                    missed[missed.count - 1].escalations.append(Escalation(step: key.description, target: nil, state: "pending", key: key))
                }
            case .rescheduled(let fields, let by, let reason): changes.append(Reschedule(at: entry.at, by: by, reason: reason, changes: fields))
            case .cancelRequested(let reason, let by): cancellation = Cancellation(by: by, reason: reason, at: entry.at)
            case .reversalStarted(let steps, let by, let reason): reversal = ReversalFacts(by: by, reason: reason, at: entry.at, steps: steps)
            case .runFinished: finishedAt = entry.at
            case .runStarted, .stepExpanded, .stepCleared, .redriven, .deadlineSet: break
            }
        }
        let leaveTime = core.leaveTime(now: now)
        var steps: [StepEvidence] = []
        for record in core.orderedInstances {
            guard let step = core.step(record.key.step) else { continue }
            let time = times[record.key] ?? InstanceTimes()
            let removes = !record.kind.isCompensation && (step.removesAccess ?? removesAccess(step.uses))
            var evidence = StepEvidence(id: step.id, item: record.key.item, description: step.description, handler: step.uses, state: record.state.name,
                                        removesAccess: removes, readyAt: record.readyAt, startedAt: time.started, finishedAt: time.finished,
                                        attempts: record.attempts, verification: record.verification, error: record.lastError, reason: record.reason)
            if removes {
                evidence.removal = record.removalOutcome
                evidence.removalReport = record.removalReport(of: step)
                evidence.system = step.system ?? record.removal?.system
            }
            if removes, record.state == .succeeded, let finished = time.finished, let leaveTime {
                evidence.secondsAfterLeaveTime = milliseconds(finished.timeIntervalSince(leaveTime))
            }
            if let due = record.deadline {
                let outcome: String
                if record.missedDeadline || (time.finished.map { $0 > due } ?? (now >= due)) { outcome = "missed" }
                else if record.state.isDone { outcome = "met" }
                else { outcome = record.state.isTerminal ? "not-met" : "open" }
                evidence.deadline = DeadlineFacts(due: due, outcome: outcome, secondsAfterLeaveTime: leaveTime.map { milliseconds(due.timeIntervalSince($0)) })
            }
            if let task = record.task {
                let given = record.completion?.evidence.mapValues(\.value) ?? [:]
                evidence.task = TaskFacts(assignee: task.assignee, title: task.title, completedBy: record.completion?.by, completedAt: time.completed,
                                          evidence: given, approvals: time.approvals.map { Approval(by: $0.by, at: $0.at) },
                                          approvalsRequired: task.approvals?.required ?? 0, rejection: record.rejection,
                                          findings: task.findings(in: given), declaresFindings: task.evidence.contains { $0.findings?.isEmpty == false })
            }
            steps.append(evidence)
        }
        for index in missed.indices {
            for (position, escalation) in missed[index].escalations.enumerated() {
                guard let key = escalation.key, let record = core.instances[key] else { continue }
                var filled = Escalation(step: escalation.step, target: core.step(key.step)?.system, state: record.state.name, key: key)
                if case .object(let output)? = record.output {
                    if case .int(let status)? = output["status"] { filled.httpStatus = status }
                    if filled.target == nil, case .string(let host)? = output["host"] { filled.target = host }
                }
                missed[index].escalations[position] = filled
            }
        }
        var fields: [String: JSONValue] = [:]
        var withheld: [String] = []
        for input in playbook.inputs {
            if input.personal { withheld.append(input.name); continue }
            fields[input.name] = (core.inputs[input.name] ?? .null).json(in: timeZone)
        }
        var chainFacts: ChainFacts
        let howToCheck = "offboard verify \(stored.summary.id) recomputes the chain; its head must equal this one"
        let rowProblems: [String]?
        do { rowProblems = try RunCore.rowDisagreements(stored, playbook: playbook) } catch { rowProblems = ["the run cannot be replayed from its row and journal: \(error)"] }
        switch chain.map(JournalChain.verify) {
        case .intact(let head, let entries)?:
            chainFacts = ChainFacts(entries: entries, head: head, intact: true, howToCheck: howToCheck)
            if let rowProblems, !rowProblems.isEmpty {
                chainFacts.intact = false
                chainFacts.problem = rowProblems.joined(separator: "; ")
            } else if rowProblems == nil, !stored.journal.isEmpty {
                chainFacts.note = "this run's journal predates recorded start facts: who started it, when, and its inputs come from the run row, which the chain does not cover"
            }
        case .broken(_, let problem)?:
            chainFacts = ChainFacts(entries: chain?.records.count ?? 0, head: chain?.head, intact: false, problem: problem, howToCheck: howToCheck)
        case nil: chainFacts = ChainFacts(entries: 0, intact: false, problem: "the journal could not be read", howToCheck: howToCheck)
        }
        let summary = fromJournal.summary
        // The state the journal replays to (a run not started yet has only its row to go by).
        let state = stored.journal.isEmpty ? summary.state : core.state
        return EvidencePack(
            generatedAt: now,
            run: RunFacts(id: summary.id, state: state, triggeredBy: summary.createdBy, triggeredAt: summary.createdAt,
                          finishedAt: state.isFinished ? finishedAt : nil, cancelled: cancellation, reversal: reversal),
            playbook: RunReport.PlaybookReference(name: summary.playbookName, version: summary.playbookVersion, sha256: summary.playbookSHA256),
            leaver: Leaver(fields: fields, withheld: withheld, timeZone: timeZone.identifier),
            leaveTime: leaveTime.map { LeaveTime(at: $0, local: DateText.iso8601($0, in: timeZone), changes: changes) },
            summary: summarise(steps, missed: missed), steps: steps, deadlinesMissed: missed, chain: chainFacts)
    }
}

/// Seconds rounded to the millisecond, as every duration in the JSON is (`3600.399`, not `3600.398999929428`).
func milliseconds(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }

/// When things happened to one instance, read off the journal.
private struct InstanceTimes {
    var started: Date?
    var finished: Date?
    var completed: Date?
    var approvals: [(by: String, at: Date)] = []

    mutating func note(_ event: StepEvent, at: Date) {
        switch event {
        case .start: if started == nil { started = at }
        case .succeed, .skip, .cancel, .reject, .fail(_, _, nil): finished = at
        case .complete: completed = at
        case .approve(let by, let approver): approvals.append((StepEvent.signer(by, for: approver), at))
        case .reset: finished = nil
        case .fail, .schedule, .interrupt, .suspend, .fire, .reschedule, .openTask: break
        }
    }
}
