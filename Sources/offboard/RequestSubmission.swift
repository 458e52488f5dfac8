import ArgumentParser
import Foundation
import OffboardRuntime

/// Hands a person's request to a run through `Worker.submit` and says what became of it: exits 1 (65 for
/// ill-typed values, 66 for no such run) with every problem when it is refused.
struct RequestSubmission {
    let database: any RunStore
    let secrets: SecretOptions
    let clock: any EngineClock

    /// Submits `request` and returns the run's state after it.
    func submit(_ request: RunRequest) async throws -> RunState {
        let worker = ProcessAssembly(store: database, registry: try HandlerSetup.registryOrExit(), secrets: secrets.resolver, clock: clock)
            .worker(observer: LineProgress(showRunID: false), logger: Logs.plain(label: "offboard.request"))
        switch try await worker.submit(request) {
        case .applied(let state):
            return state
        case .pending(let state):
            Output.error("the request is recorded; the worker holding the run applies it when it next looks (within a second while it runs)")
            return state
        case .refused(let refused):
            for problem in refused.problems { Output.error("error: \(problem)") }
            if let hint = Self.hint(refused.remedy, request: request) { Output.error("hint: \(hint)") }
            throw refused.isInvalidInput ? ExitCodes.badInput : ExitCodes.invalid
        case .noSuchRun:
            Output.error("error: no run \(request.runID) in the run database")
            throw ExitCodes.notFound
        }
    }

    /// The command line's words for what would let a refused request through.
    static func hint(_ remedy: RequestRefused.Remedy?, request: RunRequest) -> String? {
        switch remedy {
        case .nameTheItem(let items)?: "give --item with one of: \(items.map(ShellWord.quoted).joined(separator: ", "))"
        case .allowThePast?: "give --allow-past to act on it at once (the true time is kept), or write now"
        case .cancelFirst?: "offboard cancel \(ShellWord.quoted(request.runID)) --reason …, then reverse it"
        case nil: nil
        }
    }
}
