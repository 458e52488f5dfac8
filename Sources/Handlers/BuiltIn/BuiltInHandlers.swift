import Engine
import Playbook

/// The handler types offboard ships.
public enum BuiltInHandlers {
    /// Every built-in handler.
    public static var all: [any StepHandler] {
        [CommandHandler(), WaitHandler(), LogHandler(), TaskHandler(), PostgresRevokeHandler(), SCIMDeactivateHandler(), HTTPHandler(),
         LDAPDisableHandler(), LDAPEnableHandler(), EntraDisableHandler(), OktaDeactivateHandler()]
    }

    /// A registry holding the built-ins, ready for a business to add its own.
    public static func registry() -> HandlerRegistry { HandlerRegistry(all) }

    /// Closes the connections to targets that the handlers keep for reuse while idle (PostgreSQL), so the targets
    /// see a clean goodbye when a worker stops.
    public static func closeIdleConnections() async {
        await PostgresConnectionPool.shared.closeIdle()
    }
}
