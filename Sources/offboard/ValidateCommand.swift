import ArgumentParser
import Foundation
import OffboardRuntime
import Playbook

extension Offboard {
    /// `offboard validate`: checks playbooks and reports every problem at once.
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check playbooks and report every problem at once, compiler style.",
            discussion: """
                Each problem is printed to stderr as PATH:LINE:COL: error: MESSAGE (warnings as warning:). \
                A directory is searched for .yaml/.yml files; files whose top level is a list are step \
                fragments for include: and are checked through the playbooks that include them.

                Examples:
                  offboard validate Workflows/
                  offboard validate Workflows/standard-leaver.yaml --format json

                Exit codes: 0 all valid (warnings allowed); 1 at least one error; 66 a path does not exist.
                """
        )

        @Argument(help: "Playbook files or directories.")
        var paths: [String]

        @Option(help: "Output format: text (diagnostics on stderr) or json (a report on stdout).")
        var format: OutputFormat = .text

        @OptionGroup var options: PlaybookOptions

        func run() async throws {
            let loader = try options.loader()
            let catalog = PlaybookCatalog(directory: options.workflowsDirectory, registry: try HandlerSetup.registryOrExit(), limits: options.limits)
            var reports: [JSONValue] = []
            var diagnostics: [Diagnostic] = []
            var checked = 0, fragments = 0, hooks = 0
            for path in paths {
                let files = PlaybookLocator.yamlFiles(under: path)
                for file in PlaybookLocator.hookFiles(under: path) {
                    hooks += 1
                    let result = HookSetup.check(file: file, catalog: catalog)
                    diagnostics += result.diagnostics
                    var report: [String: JSONValue] = ["file": .string(file), "valid": .bool(result.mapping != nil)]
                    if let mapping = result.mapping {
                        report["hook"] = .string(mapping.source)
                        if format == .text { Output.text("ok   \(file): hook \(mapping.source) (\(mapping.scheme.rawValue))") }
                    }
                    reports.append(.object(report))
                }
                if files.isEmpty, path.hasSuffix(".hook.yaml") { continue }
                if files == [path], !FileManager.default.fileExists(atPath: path) {
                    Output.error("error: no such file or directory: \(path)")
                    throw ExitCodes.notFound
                }
                for file in files {
                    if loader.isStepFragment(path: file) {
                        fragments += 1
                        if files == [path], format == .text {
                            Output.error("\(file): note: a list of steps for include:; it is checked through the playbooks that include it")
                        }
                        continue
                    }
                    checked += 1
                    let result = loader.load(path: file)
                    // A base shared by several playbooks would repeat its diagnostics once per playbook.
                    diagnostics += result.diagnostics.filter { !diagnostics.contains($0) }
                    var report: [String: JSONValue] = ["file": .string(file), "valid": .bool(result.playbook != nil)]
                    if let playbook = result.playbook {
                        report["playbook"] = .string(playbook.name)
                        report["version"] = .int(playbook.version)
                        report["sha256"] = .string(playbook.sha256)
                        report["steps"] = .int(playbook.steps.count)
                    }
                    reports.append(.object(report))
                    if format == .text, let playbook = result.playbook {
                        Output.text("ok   \(file): \(playbook.name) v\(playbook.version), \(playbook.steps.count) steps")
                    }
                }
            }
            let errors = diagnostics.filter { $0.severity == .error }.count
            switch format {
            case .json:
                Output.json(JSONValue.object([
                    "valid": .bool(errors == 0), "files": .array(reports),
                    "diagnostics": .array(diagnostics.map(\.json)),
                ]))
            case .text:
                Output.printDiagnostics(diagnostics)
                let warnings = diagnostics.count - errors
                var summary = "\(checked) playbook\(checked == 1 ? "" : "s")"
                if hooks > 0 { summary += " and \(hooks) hook mapping\(hooks == 1 ? "" : "s")" }
                summary += " checked"
                if fragments > 0 { summary += " (\(fragments) step fragment\(fragments == 1 ? "" : "s") checked through the playbooks that include them)" }
                summary += ": \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
                Output.error(summary)
            }
            if errors > 0 { throw ExitCodes.invalid }
        }
    }
}

extension Diagnostic {
    /// The diagnostic as a JSON object for `--format json`.
    var json: JSONValue {
        var fields: [String: JSONValue] = ["severity": .string(severity.rawValue), "message": .string(fullMessage)]
        if let location {
            fields["file"] = .string(location.file)
            fields["line"] = .int(location.line)
            fields["column"] = .int(location.column)
        }
        if let suggestion { fields["suggestion"] = .string(suggestion) }
        return .object(fields)
    }
}
