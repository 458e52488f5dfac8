import Foundation
import Logging
import Playbook

/// What a handler receives to execute one attempt.
public struct ExecutionContext: Sendable {
    public var runID: String
    public var instance: InstanceKey
    /// 1 for the first attempt; an attempt re-run after a crash gets the next number.
    public var attempt: Int
    /// `RUN/STEP[/ITEM]`: the same for every attempt of this step instance. A handler must make its
    /// effect happen at most once per key (at-least-once delivery, idempotent handlers).
    public var idempotencyKey: String
    /// Rendered `with:` parameters; secrets are references until revealed through `secrets`.
    public var parameters: [String: Value]
    public var secrets: any SecretResolver
    public var logger: Logger
    public var clock: any EngineClock
    /// The step's per-attempt time limit; the executor also enforces it.
    public var timeout: TimeInterval?
    /// The run's lease generation: it grows with every worker that claims the run, so a system that accepts a
    /// fencing token can refuse a late write from a worker that lost the run (`command` and plugin children get it
    /// as `OFFBOARD_FENCING_TOKEN`, `http` requests as the `Offboard-Fencing-Token` header).
    public var fencingToken: Int64 = 0
    /// Where a handler records the processes it starts (a worker taking the run over ends them before it runs
    /// the step again); nil outside a worker.
    public var processes: (any AttemptProcessRecorder)?

    public init(runID: String, instance: InstanceKey, attempt: Int, idempotencyKey: String, parameters: [String: Value],
                secrets: any SecretResolver, logger: Logger, clock: any EngineClock, timeout: TimeInterval?) {
        self.runID = runID
        self.instance = instance
        self.attempt = attempt
        self.idempotencyKey = idempotencyKey
        self.parameters = parameters
        self.secrets = secrets
        self.logger = logger
        self.clock = clock
        self.timeout = timeout
    }
}

/// How an attempt ended when it did not fail.
public enum StepOutcome: Sendable, Hashable {
    /// Done; the object becomes `steps.ID.output`.
    case completed(JSONValue)
    /// Done, for a step that ends access: the output, and what the handler found and changed (the
    /// evidence pack's "removed" or "already absent" comes from this report alone).
    case accessRemoval(JSONValue, AccessRemoval)
    /// Come back at this time (a `wait` step); the wait is journaled and survives restarts.
    case waitUntil(Date)
    /// A person must finish the step (a `task` step): it waits, durably, until they complete it
    /// with the evidence the task asks for (and it is approved, when it needs approvals).
    case openTask(TaskSpec)
}

/// A failed attempt: retryable ones are retried by the step's policy, fatal ones are not.
public struct HandlerFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var retryable: Bool

    public init(_ message: String, retryable: Bool) {
        self.message = message
        self.retryable = retryable
    }

    public var description: String { message }
}
