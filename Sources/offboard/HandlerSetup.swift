import ArgumentParser
import Engine
import Foundation
import Handlers
import Playbook

/// The handlers every command uses: the built-ins, plus the plugins described by the
/// `*.plugin.yaml` manifests in the directory named by the environment variable `OFFBOARD_PLUGINS`.
enum HandlerSetup {
    /// Loads the registry; a broken manifest is reported as `file:line:col: error: …` and exits 1.
    static func registry() throws -> HandlerRegistry {
        var registry = BuiltInHandlers.registry()
        guard let directory = ProcessInfo.processInfo.environment["OFFBOARD_PLUGINS"], !directory.isEmpty else { return registry }
        let loaded = PluginManifest.loadAll(from: directory)
        if !loaded.diagnostics.isEmpty {
            Output.printDiagnostics(loaded.diagnostics)
            throw ExitCodes.invalid
        }
        for manifest in loaded.manifests { registry.register(PluginHandler(manifest)) }
        return registry
    }
}
