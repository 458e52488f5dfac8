import Foundation
import Playbook

extension RunCore {
    /// A run rebuilt from the store: its inputs read back through the playbook, its journal replayed
    /// with the leaver's personal values put back where the journal holds their tokens (unless
    /// `revealPersonal` is false, as for the evidence pack, or they have been purged).
    public static func replaying(_ stored: StoredRun, playbook: Playbook, maxParallel: Int = 8, revealPersonal: Bool = true) throws -> RunCore {
        let timeZone = TimeZone(identifier: stored.timeZone) ?? .gmt
        let inputs = try InputBinder.restore(playbook, json: stored.inputs, timeZone: timeZone)
        var core = RunCore(runID: stored.summary.id, playbook: playbook, inputs: inputs, timeZone: timeZone, maxParallel: maxParallel)
        core.startFacts = RunStartFacts(stored)
        let personal = PersonalData(playbook: playbook, inputs: revealPersonal ? inputs : [:])
        for entry in stored.journal { try core.apply(personal.reveal(entry.event)) }
        return core
    }

    /// The run's journal with the leaver's personal values put back (while they are kept).
    public static func revealedJournal(_ stored: StoredRun, playbook: Playbook) -> [JournalEntry] {
        let timeZone = TimeZone(identifier: stored.timeZone) ?? .gmt
        guard let inputs = try? InputBinder.restore(playbook, json: stored.inputs, timeZone: timeZone) else { return stored.journal }
        let personal = PersonalData(playbook: playbook, inputs: inputs)
        if personal.isEmpty { return stored.journal }
        return stored.journal.map { JournalEntry(sequence: $0.sequence, at: $0.at, event: personal.reveal($0.event)) }
    }

    /// What the run's state says to a request of this kind, before its details are looked at: nil when the state
    /// lets anyone ask for it now. The one state rule: applied here, where requests are judged, and read by the front
    /// ends (`RunActions`) to offer only what would be accepted.
    public func stateRefusal(of kind: RunRequest.Kind) -> RequestRefused? {
        switch kind {
        case .cancel:
            return state.isFinished ? RequestRefused(.runState, "run \(runID) already \(state.rawValue)") : nil
        case .redrive:
            return state == .failed ? nil : RequestRefused(.runState, "run \(runID) is \(state.rawValue); only a failed run can be redriven")
        case .reverse:
            guard state.isFinished else {
                return RequestRefused(.runState, "run \(runID) is \(state.rawValue); cancel it first, then reverse it", remedy: .cancelFirst)
            }
            return state == .reversed || reversal != nil ? RequestRefused(.alreadyDone, "run \(runID) has already been reversed") : nil
        case .complete, .approve, .reject, .reschedule:
            return state.isFinished ? RequestRefused(.runState, "run \(runID) is \(state.rawValue); a \(kind.rawValue) no longer applies") : nil
        }
    }

    /// Carries out a request from outside the worker; throws (changing nothing) when it does not apply.
    public mutating func apply(_ request: RunRequest, at now: Date) throws -> RunDecision {
        if let refusal = stateRefusal(of: request.kind) { throw refusal }
        let key = InstanceKey(step: request.step ?? "", item: request.item)
        switch request.kind {
        case .cancel: return try requestCancel(reason: request.reason ?? "no reason given", by: request.requestedBy, at: now)
        case .redrive: return try redrive(step: request.step, by: request.requestedBy, at: now)
        case .complete: return try completeTask(key, by: request.requestedBy, evidence: request.fields, at: now)
        // `approver` is set by the console only, for a person who signs for a team named as approver.
        case .approve: return try approveTask(key, by: request.requestedBy, asApprover: request.fields["approver"], at: now)
        case .reject: return try rejectTask(key, by: request.requestedBy, asApprover: request.fields["approver"], reason: request.reason ?? "", at: now)
        case .reschedule:
            return try reschedule(request.fields, by: request.requestedBy, reason: request.reason ?? "no reason given", at: now,
                                  pastBefore: request.allowPast ? nil : request.requestedAt)
        case .reverse: return try reverse(by: request.requestedBy, reason: request.reason ?? "", at: now)
        }
    }
}
