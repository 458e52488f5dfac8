import Foundation
import Logging
import Playbook

/// How one attempt ended, as the core needs to hear it.
enum AttemptResult: Sendable {
    case succeeded(JSONValue, VerificationResult?, AccessRemoval?)
    case suspended(until: Date)
    case openedTask(TaskSpec)
    case failed(message: String, retryable: Bool)
    case cancelled
}

/// Executes one attempt through its handler, with the step's timeout and cooperative cancellation.
struct AttemptRunner: Sendable {
    let registry: HandlerRegistry
    let secrets: any SecretResolver
    let clock: any EngineClock
    let logger: Logger

    func run(_ request: AttemptRequest, runID: String, fencingToken: Int64 = 0, processes: (any AttemptProcessRecorder)? = nil) async -> AttemptResult {
        guard let handler = registry.handler(for: request.uses) else {
            return .failed(message: "no handler '\(request.uses)' is registered in this worker", retryable: false)
        }
        var logger = self.logger
        logger[metadataKey: "run"] = .string(runID)
        logger[metadataKey: "step"] = .string(request.instance.description)
        logger[metadataKey: "attempt"] = .stringConvertible(request.attempt)
        let timeout = request.timeout.map { TimeInterval($0.seconds) }
        // Whatever the attempt reveals is scrubbed from what leaves it: errors, outputs, checks, logs.
        let revealed = RevealedSecrets(secrets)
        var context = ExecutionContext(runID: runID, instance: request.instance, attempt: request.attempt, idempotencyKey: request.idempotencyKey,
                                       parameters: request.parameters, secrets: revealed, logger: revealed.redacting(logger), clock: clock, timeout: timeout)
        context.fencingToken = fencingToken
        context.processes = processes
        var result = await attempt(handler: handler, context: context, timeout: timeout)
        // A removal report is kept only for a step that ends access: a webhook's "accepted" is no removal.
        if case .succeeded(let output, let verification, _?) = result, !(request.removesAccess ?? handler.removesAccess) {
            result = .succeeded(output, verification, nil)
        }
        return Self.redact(result, with: revealed)
    }

    static func redact(_ result: AttemptResult, with revealed: RevealedSecrets) -> AttemptResult {
        switch result {
        case .succeeded(let output, let verification, let removal):
            return .succeeded(revealed.redact(output),
                              verification.map { VerificationResult(holds: $0.holds, detail: revealed.redact($0.detail)) },
                              removal.map { $0.mapText(revealed.redact) })
        case .failed(let message, let retryable): return .failed(message: revealed.redact(message), retryable: retryable)
        case .openedTask(var task):
            task.title = revealed.redact(task.title)
            task.instructions = task.instructions.map(revealed.redact)
            return .openedTask(task)
        case .suspended, .cancelled: return result
        }
    }

    private func attempt(handler: any StepHandler, context: ExecutionContext, timeout: TimeInterval?) async -> AttemptResult {
        do {
            // The timeout covers the handler's work and its verification together.
            let result = try await withThrowingTaskGroup(of: AttemptResult?.self) { group in
                group.addTask {
                    switch try await handler.execute(context) {
                    case .completed(let output):
                        return try await verified(output, removal: AccessRemoval.reported(in: output), handler: handler, context: context)
                    case .accessRemoval(let output, let removal): return try await verified(output, removal: removal, handler: handler, context: context)
                    case .waitUntil(let date): return .suspended(until: date)
                    case .openTask(let task): return .openedTask(task)
                    }
                }
                if let timeout {
                    group.addTask {
                        try await clock.sleep(until: clock.now().addingTimeInterval(timeout))
                        return nil
                    }
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
            return result ?? .failed(message: "timed out after \(PlaybookDuration(seconds: Int(timeout ?? 0)))", retryable: true)
        } catch let failure as HandlerFailure {
            return .failed(message: failure.message, retryable: failure.retryable)
        } catch is CancellationError {
            return .cancelled
        } catch {
            return .failed(message: "\(error)", retryable: false)
        }
    }

    /// Asks the handler to check independently that what it did holds. A check that fails makes the
    /// attempt fail (retryable: the step runs again, idempotently, and is checked again).
    private func verified(_ output: JSONValue, removal: AccessRemoval?, handler: any StepHandler, context: ExecutionContext) async throws -> AttemptResult {
        guard let verification = try await handler.verify(context) else { return .succeeded(output, nil, removal) }
        guard verification.holds else {
            context.logger.warning("verification failed: \(verification.detail)")
            return .failed(message: "verification failed: \(verification.detail)", retryable: true)
        }
        return .succeeded(output, verification, removal)
    }
}
