import Foundation
import Playbook

/// One attempt of a step the shell must execute, after the events before it are durable.
public struct AttemptRequest: Sendable, Hashable {
    public var instance: InstanceKey
    public var attempt: Int
    public var uses: String
    /// Rendered `with:` parameters; secrets are still references.
    public var parameters: [String: Value]
    /// `RUN/STEP[/ITEM]`: the same for every attempt of the instance.
    public var idempotencyKey: String
    public var timeout: PlaybookDuration?
    /// The step's own `removes_access`, when it says; otherwise its handler decides.
    public var removesAccess: Bool? = nil
}

/// What the core decided in answer to one input: events to journal first, then attempts to start,
/// running attempts to cancel, and when to call `tick` next.
public struct RunDecision: Sendable, Hashable {
    public var events: [RunEvent] = []
    public var attempts: [AttemptRequest] = []
    /// Running attempts to tell to stop (the run is being cancelled).
    public var cancelAttempts: [InstanceKey] = []
    public var nextWake: Date?
    public var state: RunState = .pending
}
