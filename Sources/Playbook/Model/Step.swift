/// How a step's failed attempts are retried.
public struct RetryPolicy: Sendable, Hashable, Codable {
    /// How the wait between attempts grows.
    public enum Backoff: String, Sendable, Hashable, Codable, CaseIterable {
        case exponential, fixed
    }

    public var attempts: Int
    public var backoff: Backoff
    public var initial: PlaybookDuration
    public var max: PlaybookDuration

    public init(attempts: Int = 1, backoff: Backoff = .exponential, initial: PlaybookDuration = .init(seconds: 2), max: PlaybookDuration = .init(seconds: 300)) {
        self.attempts = attempts
        self.backoff = backoff
        self.initial = initial
        self.max = max
    }

    /// One attempt, no retry: the policy when a playbook says nothing.
    public static let none = RetryPolicy(attempts: 1)
}

/// What happens to the run when a step fails for good.
public enum FailurePolicy: Sendable, Hashable {
    /// Stop the run (the default).
    case abort
    /// Go on with the steps that do not depend on the failed one.
    case `continue`
    /// Run the named step, then go on as with `continue`.
    case run(String, SourceLocation)

    public var description: String {
        switch self {
        case .abort: return "abort"
        case .continue: return "continue"
        case .run(let id, _): return id
        }
    }
}

/// A `with:` parameter as written: literal values and templates, with locations.
public indirect enum Parameter: Sendable, Hashable {
    case literal(Value, SourceLocation)
    case template(TemplateField)
    case list([Parameter], SourceLocation)
    case object([ParameterEntry], SourceLocation)

    public var location: SourceLocation {
        switch self {
        case .literal(_, let location), .list(_, let location), .object(_, let location): return location
        case .template(let field): return field.source.location
        }
    }
}

/// One `key: value` of an object parameter.
public struct ParameterEntry: Sendable, Hashable {
    public var key: String
    public var keyLocation: SourceLocation
    public var value: Parameter

    public init(key: String, keyLocation: SourceLocation, value: Parameter) {
        self.key = key
        self.keyLocation = keyLocation
        self.value = value
    }
}

/// A reference to another step by id, where it was written.
public struct StepReference: Sendable, Hashable {
    public var id: String
    public var location: SourceLocation

    public init(id: String, location: SourceLocation) {
        self.id = id
        self.location = location
    }
}

/// Where a resolved step came from: the file that defined it and the files that changed it.
public struct StepProvenance: Sendable, Hashable {
    public var definedAt: SourceLocation
    public var overriddenAt: [SourceLocation]
    /// The `include:` that brought the step in, when it came from a fragment.
    public var includedFrom: SourceLocation?

    public init(definedAt: SourceLocation, overriddenAt: [SourceLocation] = [], includedFrom: SourceLocation? = nil) {
        self.definedAt = definedAt
        self.overriddenAt = overriddenAt
        self.includedFrom = includedFrom
    }
}

/// One step of a resolved playbook.
public struct Step: Sendable, Hashable {
    public var id: String
    public var uses: String
    public var usesLocation: SourceLocation
    public var with: Parameter?
    public var needs: [StepReference]
    public var when: ExpressionField?
    public var forEach: ExpressionField?
    /// A name for each fan-out item (for people and idempotency keys); the index when absent.
    public var itemID: TemplateField?
    public var at: ExpressionField?
    public var after: PlaybookDuration?
    public var retry: RetryPolicy?
    public var timeout: PlaybookDuration?
    /// A duration from when the step is ready, or an expression giving a time or a duration.
    public var deadline: ExpressionField?
    public var onFailure: FailurePolicy
    /// Steps to run when this step misses its deadline (an escalation); each runs at most once.
    public var onDeadline: [StepReference]
    /// How to undo the step's effect when the run is reversed (a rehire, a withdrawn resignation).
    public var compensate: Compensation?
    /// Whether the step ends some of the leaver's access (its time-to-revoke goes in the evidence
    /// pack); nil leaves it to the handler.
    public var removesAccess: Bool?
    /// How the evidence names the system an access removal acts on ("CRM database"), instead of the
    /// label its handler gives (a host); never a secret.
    public var system: String?
    public var description: String?
    public var location: SourceLocation
    public var provenance: StepProvenance

    public init(id: String, uses: String, usesLocation: SourceLocation, location: SourceLocation) {
        self.id = id
        self.uses = uses
        self.usesLocation = usesLocation
        self.needs = []
        self.onFailure = .abort
        self.onDeadline = []
        self.location = location
        self.provenance = StepProvenance(definedAt: location)
    }
}

/// A step's `compensate:`: the handler and parameters that undo what the step did.
public struct Compensation: Sendable, Hashable {
    public var uses: String
    public var usesLocation: SourceLocation
    public var with: Parameter?

    public init(uses: String, usesLocation: SourceLocation, with: Parameter?) {
        self.uses = uses
        self.usesLocation = usesLocation
        self.with = with
    }
}
