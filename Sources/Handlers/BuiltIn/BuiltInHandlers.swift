import Engine
import Playbook

/// The handler types offboard ships.
public enum BuiltInHandlers {
    /// Every built-in handler.
    public static var all: [any StepHandler] {
        [CommandHandler(), WaitHandler(), LogHandler(), TaskHandler(), PostgresRevokeHandler(), SCIMDeactivateHandler(), HTTPHandler()]
    }

    /// A registry holding the built-ins, ready for a business to add its own.
    public static func registry() -> HandlerRegistry { HandlerRegistry(all) }
}

extension HandlerPlanRequest {
    /// A parameter for a sentence: quoted text, or the fallback when absent.
    func quoted(_ name: String, otherwise fallback: String = "?") -> String {
        guard parameters[name] != nil else { return fallback }
        return "\"\(text(name))\""
    }

    func bool(_ name: String, default fallback: Bool) -> Bool {
        if case .bool(let flag)? = parameters[name] { return flag }
        return fallback
    }

    func strings(_ name: String) -> [String] {
        guard case .list(let items)? = parameters[name] else { return [] }
        return items.compactMap { $0.displayText }
    }
}
