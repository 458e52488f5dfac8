import Foundation
import Logging
import Playbook

/// What became of a request a person (or an HR system) handed to a run.
public enum RequestOutcome: Sendable, Hashable {
    /// Carried out; the run's state after it.
    case applied(RunState)
    /// Recorded, and not yet answered by the worker holding the run: it applies it when it next looks. The run's state now.
    case pending(RunState)
    /// Refused with every problem, as the driver judged it where it would have applied it.
    case refused(RequestRefused)
    /// There is no run with that id.
    case noSuchRun
}

extension Worker {
    /// Hands `request` to its run: recorded, then judged once, where it is applied, by the driver that holds the run
    /// (a refused request is kept with its refusal, and writes nothing to the journal). While this worker's own loop
    /// (`run(untilIdle:)`) is going, the loop picks the request up (a server calls this in-process, without a
    /// second worker); otherwise this drives the run here when no worker holds it. Either way it waits up to
    /// `answerWithin` seconds for the answer, which is that judgement.
    public func submit(_ request: RunRequest, answerWithin wait: TimeInterval = 15) async throws -> RequestOutcome {
        guard try await context.store.summary(of: request.runID) != nil else { return .noSuchRun }
        let id = try await context.store.addRequest(request)
        let drives = context.configuration.submitDrivesRuns && !context.loops.any
        if drives, let state = try await drive(runID: request.runID) {
            return try await answer(id, state: state, runID: request.runID)
        }
        if drives {
            context.logger.notice("run \(request.runID) is held by another worker; waiting up to \(Int(wait)) s for it to apply the \(request.kind.rawValue) request")
        }
        let giveUp = Date().addingTimeInterval(wait)
        var delay: UInt64 = 5_000_000
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
        case .refused(let refused): return .refused(refused)
        case .pending: return .pending(now)
        }
    }
}
