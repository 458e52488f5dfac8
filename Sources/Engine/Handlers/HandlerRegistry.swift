import Playbook

/// The handler types a process knows, by their `uses:` name.
///
/// Register a business's own handler next to the built-ins:
/// ```swift
/// var registry = BuiltInHandlers.registry()
/// registry.register(RevokeBadgeHandler())
/// ```
/// Registering a type that is already known replaces it, so a built-in can be swapped out.
public struct HandlerRegistry: HandlerCatalog {
    private var handlers: [String: any StepHandler] = [:]
    /// Schemas taken once at registration: validation asks for one per step.
    private var schemas: [String: ParameterSchema] = [:]

    public init(_ handlers: [any StepHandler] = []) {
        handlers.forEach { register($0) }
    }

    public mutating func register(_ handler: any StepHandler) {
        handlers[handler.type] = handler
        schemas[handler.type] = handler.parameters
    }

    public func handler(for type: String) -> (any StepHandler)? { handlers[type] }

    public func parameterSchema(for type: String) -> ParameterSchema? { schemas[type] }

    public var handlerTypes: [String] { handlers.keys.sorted() }

    /// Every handler, sorted by type.
    public var all: [any StepHandler] { handlerTypes.compactMap { handlers[$0] } }
}
