import ArgumentParser
import Engine
import Foundation
import Handlers
import Playbook
import SQLiteStore

/// Hands a person's request to a run: checked against the run as it stands (a refused request
/// writes nothing), recorded, then carried out here when no worker holds the run, or by the worker
/// that does (this waits for its answer).
struct RequestSubmission {
    let database: SQLiteRunStore
    let store: StoreOptions
    let secrets: SecretOptions
    let clock: any EngineClock

    /// How long to wait for the worker holding the run to answer.
    static let answerWait: TimeInterval = 15

    /// Submits `request` and returns the run's state after it; exits 1 (65 for ill-typed values)
    /// with every problem when it is refused. `checked: false` skips the local check (the caller did it).
    func submit(_ request: RunRequest, checked: Bool = true) async throws -> RunState {
        if checked { try await check(request) }
        let id = try await database.addRequest(request)
        let worker = Engine.Worker(store: database, registry: try HandlerSetup.registry(), secrets: secrets.resolver, clock: clock,
                                   observer: LineProgress(showRunID: false))
        if let state = try await worker.drive(runID: request.runID) {
            try await report(id)
            return state
        }
        Output.error("run \(request.runID) is held by a worker; waiting for it to apply the \(request.kind.rawValue) request…")
        let giveUp = Date().addingTimeInterval(Self.answerWait)
        while Date() < giveUp {
            if try await database.outcome(ofRequest: id) != .pending { break }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        try await report(id)
        return try await database.summary(of: request.runID)?.state ?? .running
    }

    /// Replays the run and tries the request on it, without recording anything.
    func check(_ request: RunRequest) async throws {
        let stored = try await store.loadRun(request.runID, from: database)
        guard !stored.summary.state.isFinished || request.kind == .reverse else {
            Output.error("error: run \(request.runID) is \(stored.summary.state.rawValue); a \(request.kind.rawValue) no longer applies")
            throw ExitCodes.invalid
        }
        let playbook = try await PinnedPlaybooks(catalog: try HandlerSetup.registry()).playbook(for: stored)
        var core = try RunCore.replaying(stored, playbook: playbook)
        do {
            _ = try core.apply(request, at: clock.now())
        } catch let refused as RequestRefused {
            for problem in refused.problems { Output.error("error: \(problem)") }
            throw refused.isInvalidInput ? ExitCodes.badInput : ExitCodes.invalid
        } catch {
            Output.error("error: \(error)")
            throw ExitCodes.invalid
        }
    }

    private func report(_ id: Int64) async throws {
        switch try await database.outcome(ofRequest: id) {
        case .applied: break
        case .refused(let reason):
            Output.error("error: \(reason)")
            throw ExitCodes.invalid
        case .pending:
            Output.error("the request is recorded; the worker holding the run applies it when it next looks (within a second while it runs)")
        }
    }
}
