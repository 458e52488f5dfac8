/// Step settings a playbook applies to every step that does not set its own.
public struct StepDefaults: Sendable, Hashable {
    public var retry: RetryPolicy?
    public var timeout: PlaybookDuration?

    public init(retry: RetryPolicy? = nil, timeout: PlaybookDuration? = nil) {
        self.retry = retry
        self.timeout = timeout
    }
}

/// A loaded, resolved and validated playbook: immutable, and identified by the SHA-256 of its
/// canonical resolved document, which is what a run pins.
public struct Playbook: Sendable {
    public var name: String
    public var version: Int
    public var description: String?
    public var inputs: [InputDeclaration]
    public var defaults: StepDefaults
    /// When the leaver leaves (for timing relative to it); usually `inputs.leave_at`.
    public var leaveTime: ExpressionField?
    /// The leaver's time zone: an IANA name, or a template such as `{{ inputs.timezone }}`.
    public var timeZone: TemplateField?
    public var steps: [Step]
    /// The file the playbook was loaded from.
    public var file: String
    /// The resolved document (extends and includes applied) as canonical JSON.
    public var canonicalJSON: JSONValue
    /// Hex SHA-256 of `canonicalJSON`'s canonical bytes.
    public var sha256: String

    public init(name: String, version: Int, file: String, canonicalJSON: JSONValue, sha256: String) {
        self.name = name
        self.version = version
        self.inputs = []
        self.defaults = StepDefaults()
        self.steps = []
        self.file = file
        self.canonicalJSON = canonicalJSON
        self.sha256 = sha256
    }

    /// The step with the given id.
    public func step(_ id: String) -> Step? { steps.first { $0.id == id } }

    /// The input declaration with the given name.
    public func input(_ name: String) -> InputDeclaration? { inputs.first { $0.name == name } }

    /// Ids of steps that run only when triggered: named by an `on_failure` (another step failed)
    /// or an `on_deadline` (another step missed its deadline).
    public var fallbackStepIDs: Set<String> {
        var ids = Set(steps.compactMap { if case .run(let id, _) = $0.onFailure { return id } else { return nil } })
        for step in steps { ids.formUnion(step.onDeadline.map(\.id)) }
        return ids
    }
}
