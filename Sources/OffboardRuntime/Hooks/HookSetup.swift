import Engine
import Foundation
import Playbook

/// Loads a directory of `*.hook.yaml` mappings and checks them against the playbooks they start: the playbook
/// exists, every input is one of its inputs, and the input a date change moves is a date or datetime input.
public enum HookSetup {
    /// The hooks directory the environment names (`OFFBOARD_HOOKS`), or nil.
    public static var directoryFromEnvironment: String? {
        ProcessInfo.processInfo.environment["OFFBOARD_HOOKS"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The mappings, and every problem in them (errors stop a server from starting).
    public static func load(_ directory: String, catalog: PlaybookCatalog) -> (mappings: [HookMapping], diagnostics: [Diagnostic]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return ([], [.error("the hooks directory \(directory) does not exist", at: nil)])
        }
        var mappings: [HookMapping] = [], diagnostics: [Diagnostic] = []
        for file in PlaybookLocator.hookFiles(under: directory) {
            let checked = check(file: file, catalog: catalog)
            diagnostics += checked.diagnostics
            guard let mapping = checked.mapping else { continue }
            if let first = mappings.first(where: { $0.source == mapping.source }) {
                diagnostics.append(.error("hook '\(mapping.source)' is also defined in \(first.file)", at: SourceLocation(file: file, line: 1, column: 1)))
            } else {
                mappings.append(mapping)
            }
        }
        return (mappings, diagnostics)
    }

    /// One mapping file, loaded and checked against the catalog's playbooks.
    public static func check(file: String, catalog: PlaybookCatalog) -> (mapping: HookMapping?, diagnostics: [Diagnostic]) {
        let loaded = HookMappingLoader.load(path: file, limits: catalog.limits)
        guard let mapping = loaded.mapping else { return loaded }
        let diagnostics = (loaded.diagnostics + check(mapping, catalog: catalog)).sortedByLocation()
        return (diagnostics.containsErrors ? nil : mapping, diagnostics)
    }

    static func check(_ mapping: HookMapping, catalog: PlaybookCatalog) -> [Diagnostic] {
        guard let leaver = mapping.leaver else { return [] }
        let playbook: Playbook
        do {
            playbook = try catalog.playbook(named: leaver.playbook)
        } catch {
            switch error {
            case .notFound(let message): return [.error("leaver.playbook: \(message)", at: leaver.playbookLocation)]
            case .invalid(let name, _): return [.error("leaver.playbook: playbook \(name) has errors (validating it shows them)", at: leaver.playbookLocation)]
            }
        }
        var diagnostics: [Diagnostic] = []
        let names = playbook.inputs.map(\.name)
        for input in leaver.inputs where !names.contains(input.name) {
            diagnostics.append(.error("leaver.inputs: '\(input.name)' is not an input of \(playbook.name)", at: input.location,
                                      suggestion: Suggestion.closest(to: input.name, in: names)))
        }
        for declared in playbook.inputs where declared.required && declared.defaultValue == nil && !leaver.inputs.contains(where: { $0.name == declared.name }) {
            diagnostics.append(.error("leaver.inputs does not give '\(declared.name)', which \(playbook.name) requires", at: leaver.playbookLocation))
        }
        if let declared = playbook.inputs.first(where: { $0.name == leaver.reschedule }) {
            if declared.type != .date && declared.type != .datetime {
                diagnostics.append(.error("leaver.reschedule: '\(leaver.reschedule)' is a \(declared.type.rawValue) input; a date change moves a date or datetime input",
                                          at: leaver.rescheduleLocation))
            }
        } else if leaver.rescheduleIsExplicit {
            diagnostics.append(.error("leaver.reschedule: '\(leaver.reschedule)' is not an input of \(playbook.name) (it names the input a new effective date moves)",
                                      at: leaver.rescheduleLocation, suggestion: Suggestion.closest(to: leaver.reschedule, in: names)))
        }
        return diagnostics
    }
}
