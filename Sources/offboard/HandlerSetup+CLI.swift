import OffboardRuntime

extension HandlerSetup {
    /// The registry; a broken plugin manifest is printed as `file:line:col: error: …` and exits 1.
    static func registryOrExit() throws -> HandlerRegistry {
        do {
            return try registry()
        } catch let broken as BrokenPlugins {
            Output.printDiagnostics(broken.diagnostics)
            throw ExitCodes.invalid
        }
    }
}
