import Foundation

/// How one HR system's webhook is checked and turned into leaver runs: the `*.hook.yaml` file of one source,
/// served at `/v1/hooks/<source>`.
public struct HookMapping: Sendable {
    /// How a delivery proves it came from the HR system.
    public enum Scheme: String, Sendable, Hashable, CaseIterable {
        /// `X-BambooHR-Signature`: hex HMAC-SHA256 of the body followed by `X-BambooHR-Timestamp`.
        case bamboohr
        /// `Bob-Signature`: base64 HMAC-SHA512 of the body.
        case hibob
        /// `x-deel-signature`: hex HMAC-SHA256 of `POST` followed by the body.
        case deel
        /// `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`.
        case standardWebhooks = "standard-webhooks"
        /// `Authorization: Bearer <the shared secret>`.
        case bearer

        /// True for the schemes that sign a time the delivery was sent, so old deliveries are refused.
        public var isTimestamped: Bool { self == .bamboohr || self == .standardWebhooks }
    }

    /// Starting a leaver's run (or moving its date, when the leaver has one already).
    public struct Leaver: Sendable {
        public var when: ExpressionField
        public var playbook: String
        public var playbookLocation: SourceLocation
        /// The effective date: with the source and the employee, the leaver's idempotency key.
        public var effective: ExpressionField
        /// The playbook's inputs, each a template over `event` and `item`.
        public var inputs: [Input]
        /// The date or datetime input a later event with another effective date moves (`offboard reschedule`).
        public var reschedule: String
        public var rescheduleLocation: SourceLocation
        /// False when `reschedule` is the default (`leave_at`), which a playbook without that input simply lacks.
        public var rescheduleIsExplicit: Bool
    }

    /// One input of the leaver's record, as a template.
    public struct Input: Sendable {
        public var name: String
        public var value: TemplateField
        public var location: SourceLocation
    }

    /// A withdrawn resignation or a rehire: the leaver's run is cancelled if it has not acted, and reversed if it
    /// has only when `reverse` allows it.
    public struct Withdrawn: Sendable {
        public var when: ExpressionField
        public var reverse: Bool
    }

    public var source: String
    public var scheme: Scheme
    /// The `${secret:NAME}` the scheme checks with.
    public var secretName: String
    /// How old a timestamped delivery may be.
    public var maxAge: PlaybookDuration
    /// A list in one delivery whose elements are each an event (`item`); nil: the body is the one event.
    public var each: ExpressionField?
    /// Who the event is about.
    public var employee: ExpressionField
    /// The vendor's delivery id, when the scheme carries none (a replay of it is refused).
    public var deliveryID: ExpressionField?
    public var leaver: Leaver?
    public var withdrawn: Withdrawn?
    public var file: String
}

extension HookMapping {
    /// What a mapping's expressions read: `event` (the delivery's body), `item` (one element of `each:`, else the
    /// body) and `now`; a field the payload lacks reads as null.
    public static func scope(event: Value, item: Value?, now: Date) -> EvaluationScope {
        var scope = EvaluationScope(inputs: [:], item: item ?? event, now: now)
        scope.event = event
        scope.missingIsNull = true
        return scope
    }

    /// `field` over an event; nil when it cannot be evaluated.
    public static func evaluate(_ field: ExpressionField, event: Value, item: Value?, now: Date) -> Value? {
        try? Evaluator.evaluate(field.expression, in: scope(event: event, item: item, now: now))
    }
}
