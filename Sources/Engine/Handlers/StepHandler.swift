import Foundation
import Logging
import Playbook

/// The code behind a step's `uses:`: declares its parameters (checked by `offboard validate`), says
/// what it would do in a dry run, and executes attempts.
///
/// Delivery is at least once: an attempt cut off by a crash runs again with the same
/// `idempotencyKey`, so `execute` must make its effect happen at most once per key (check before
/// acting, or use an operation that is harmless to repeat). A handler must be safe to call
/// concurrently; keep configuration in immutable stored properties.
public protocol StepHandler: Sendable {
    /// The name a playbook writes after `uses:` (for example `postgres.revoke`).
    var type: String { get }
    /// One sentence on what the handler does, for `--help` and the reference.
    var summary: String { get }
    /// The parameters it accepts under `with:`.
    var parameters: ParameterSchema { get }
    /// Whether its steps end some of the leaver's access (the evidence pack times them against
    /// the leave time). False unless the handler says so.
    var removesAccess: Bool { get }

    /// What the step would do with these rendered parameters. Read-only: it may look at the real
    /// target, never change it. Secrets arrive as references, never as values.
    func plan(_ request: HandlerPlanRequest) async throws -> ActionPreview

    /// Executes one attempt. Throw `HandlerFailure` (retryable or not); any other error is a fatal
    /// failure. Honour task cancellation: the run may be cancelled while an attempt runs.
    func execute(_ context: ExecutionContext) async throws -> StepOutcome

    /// An independent check that the step's effect holds (for example that a role really cannot
    /// log in), recorded as evidence; nil when the handler has no such check.
    func verify(_ context: ExecutionContext) async throws -> VerificationResult?
}

/// The outcome of a handler's independent check of its own effect.
public struct VerificationResult: Sendable, Hashable, Codable {
    public var holds: Bool
    public var detail: String

    public init(holds: Bool, detail: String) {
        self.holds = holds
        self.detail = detail
    }
}

extension StepHandler {
    public var removesAccess: Bool { false }

    public func execute(_ context: ExecutionContext) async throws -> StepOutcome {
        throw HandlerFailure("the '\(type)' handler cannot execute steps yet", retryable: false)
    }

    public func verify(_ context: ExecutionContext) async throws -> VerificationResult? { nil }
}

/// What a dry run hands a handler: the step, its rendered parameters and the moment.
public struct HandlerPlanRequest: Sendable {
    public var stepID: String
    /// The fan-out item's name, for a `for_each` step.
    public var item: String?
    /// Rendered `with:` parameters as an object; secrets appear as `${secret:NAME}` text.
    public var parameters: [String: Value]
    public var now: Date
    /// Set for a live dry run (`offboard plan --live`): the handler may reveal secrets to look at
    /// its real target, read-only, and say what would change. Nil: describe without connecting.
    public var liveSecrets: (any SecretResolver)?

    public init(stepID: String, item: String? = nil, parameters: [String: Value], now: Date, liveSecrets: (any SecretResolver)? = nil) {
        self.stepID = stepID
        self.item = item
        self.parameters = parameters
        self.now = now
        self.liveSecrets = liveSecrets
    }

    /// Whether some parameter is only known when the run executes (a step's output), so a live
    /// look at the target cannot be made yet.
    public var dependsOnRunTimeValues: Bool {
        parameters.values.contains { if case .unknown = $0 { true } else { false } }
    }

    /// An execution-style context for a live look at the target (the parameters, these secrets).
    public func inspectionContext(secrets: any SecretResolver, logger: Logger) -> ExecutionContext {
        ExecutionContext(runID: "plan", instance: InstanceKey(step: stepID, item: item), attempt: 0, idempotencyKey: "plan/\(stepID)",
                         parameters: parameters, secrets: secrets, logger: logger, clock: SystemClock(), timeout: 30)
    }

    /// A parameter as text for a description (`?` when absent, the expression when not yet known).
    public func text(_ name: String) -> String {
        guard let value = parameters[name] else { return "?" }
        return value.displayText ?? "?"
    }
}

/// A handler's own account of what a step would do.
public struct ActionPreview: Sendable, Hashable, Codable {
    /// One line: "disable login of role \"jryan\" and end its sessions".
    public var summary: String
    /// Further lines worth showing (what it read from the target, what it would change).
    public var details: [String]

    public init(_ summary: String, details: [String] = []) {
        self.summary = summary
        self.details = details
    }
}

extension HandlerPlanRequest {
    /// A parameter for a sentence: quoted text, or the fallback when absent.
    public func quoted(_ name: String, otherwise fallback: String = "?") -> String {
        guard parameters[name] != nil else { return fallback }
        return "\"\(text(name))\""
    }

    /// A bool parameter, or the fallback when absent.
    public func bool(_ name: String, default fallback: Bool) -> Bool {
        if case .bool(let flag)? = parameters[name] { return flag }
        return fallback
    }

    /// A list parameter as text items (empty when absent).
    public func strings(_ name: String) -> [String] {
        guard case .list(let items)? = parameters[name] else { return [] }
        return items.compactMap { $0.displayText }
    }
}
