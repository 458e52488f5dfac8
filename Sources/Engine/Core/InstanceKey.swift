/// Names one step instance of a run: the step, and the fan-out item for a `for_each` step.
public struct InstanceKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var step: String
    public var item: String?

    public init(step: String, item: String? = nil) {
        self.step = step
        self.item = item
    }

    /// `step` or `step/item`.
    public var description: String { item.map { "\(step)/\($0)" } ?? step }

    /// The idempotency key a handler receives: `RUN/STEP[/ITEM]`, the same for every attempt.
    public func idempotencyKey(run: String) -> String { "\(run)/\(description)" }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.description < rhs.description }
}
