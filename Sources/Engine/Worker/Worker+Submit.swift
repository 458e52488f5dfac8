import Foundation
import Logging
import Playbook

/// What became of a request a person (or an HR system) handed to a run.
public enum RequestOutcome: Sendable, Hashable {
    /// Carried out; the run's state after it.
    case applied(RunState)
    /// Recorded, and not yet answered by the worker holding the run: it applies it when it next looks. The run's state now.
    case pending(RunState)
    /// Refused with every problem; a request refused by the check on the replayed run was never recorded.
    case refused(RequestRefused)
    /// There is no run with that id.
    case noSuchRun
}

extension Worker {
    /// Hands `request` to its run: checked first on a replayed copy of the run (a refused request writes nothing),
    /// then recorded, then applied by the driver that holds the run. While this worker's own loop
    /// (`run(untilIdle:)`) is going, the loop picks the request up (a server calls this in-process, without a
    /// second worker); otherwise this drives the run here when no worker holds it. Either way it waits up to
    /// `answerWithin` seconds for the answer.
    public func submit(_ request: RunRequest, answerWithin wait: TimeInterval = 15) async throws -> RequestOutcome {
        guard let stored = try await context.store.loadRun(request.runID) else { return .noSuchRun }
        if let refusal = try await refusal(of: request, in: stored) { return .refused(refusal) }
        let id = try await context.store.addRequest(request)
        let drives = context.configuration.submitDrivesRuns && !context.loops.any
        if drives, let state = try await drive(runID: request.runID) {
            return try await answer(id, state: state, runID: request.runID)
        }
        if drives {
            context.logger.notice("run \(request.runID) is held by another worker; waiting up to \(Int(wait)) s for it to apply the \(request.kind.rawValue) request")
        }
        let giveUp = Date().addingTimeInterval(wait)
        var delay: UInt64 = 10_000_000
        while Date() < giveUp, try await context.store.outcome(ofRequest: id) == .pending {
            try await Task.sleep(nanoseconds: delay)
            delay = min(delay * 2, 200_000_000)
        }
        return try await answer(id, state: nil, runID: request.runID)
    }

    private func answer(_ id: Int64, state: RunState?, runID: String) async throws -> RequestOutcome {
        let now = try await context.store.summary(of: runID)?.state ?? state ?? .running
        switch try await context.store.outcome(ofRequest: id) {
        case .applied: return .applied(state ?? now)
        case .refused(let reason): return .refused(RequestRefused(reason))
        case .pending: return .pending(now)
        }
    }

    /// Why the run as it stands refuses `request`, or nil: the same rules the driver applies, tried on a replayed copy.
    func refusal(of request: RunRequest, in stored: StoredRun) async throws -> RequestRefused? {
        let id = request.runID, state = stored.summary.state
        switch request.kind {
        case .cancel where state.isFinished: return RequestRefused("run \(id) already \(state.rawValue)")
        case .redrive where state != .failed: return RequestRefused("run \(id) is \(state.rawValue); only a failed run can be redriven")
        case .reverse where state == .reversed: return RequestRefused("run \(id) has already been reversed")
        case .complete, .approve, .reject, .reschedule:
            if state.isFinished { return RequestRefused("run \(id) is \(state.rawValue); a \(request.kind.rawValue) no longer applies") }
        case .cancel, .redrive, .reverse: break
        }
        var core: RunCore
        do {
            core = try RunCore.replaying(stored, playbook: try context.playbooks.playbook(for: stored))
        } catch {
            // The error may quote the run's stored values: it is logged here, and the refusal only names the run.
            context.logger.error("run \(id) cannot be replayed: \(error)")
            return RequestRefused("run \(id) cannot be replayed from its journal (the error is logged)")
        }
        if request.kind == .redrive, let step = request.step,
           !core.instances.contains(where: { $0.key.step == step && $0.value.state == .failed }) {
            return RequestRefused("step \(step) of run \(id) did not fail")
        }
        do {
            _ = try core.apply(request, at: context.clock.now())
            return nil
        } catch let refused as RequestRefused {
            return refused
        } catch {
            return RequestRefused("\(error)")
        }
    }
}
