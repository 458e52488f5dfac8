import Engine
import Foundation
import Handlers
import Playbook

/// The handlers every command and the server use: the built-ins, plus the plugins described by the
/// `*.plugin.yaml` manifests in a plugins directory (by default the one the environment variable `OFFBOARD_PLUGINS` names).
public enum HandlerSetup {
    /// A plugin manifest that does not load, with every problem as `file:line:col: error: …`.
    public struct BrokenPlugins: Error, Sendable {
        public var diagnostics: [Diagnostic]
    }

    /// The plugins directory the environment names, or nil.
    public static var pluginsDirectoryFromEnvironment: String? {
        ProcessInfo.processInfo.environment["OFFBOARD_PLUGINS"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Loads the registry; throws `BrokenPlugins` when a manifest is broken.
    public static func registry(plugins directory: String? = pluginsDirectoryFromEnvironment) throws -> HandlerRegistry {
        var registry = BuiltInHandlers.registry()
        guard let directory else { return registry }
        let loaded = PluginManifest.loadAll(from: directory)
        if !loaded.diagnostics.isEmpty { throw BrokenPlugins(diagnostics: loaded.diagnostics) }
        for manifest in loaded.manifests { registry.register(PluginHandler(manifest)) }
        return registry
    }
}
