import Foundation
import Playbook

/// A leaver's inputs checked against the playbook's declarations, with the leaver's time zone.
public struct BoundInputs: Sendable {
    public var values: [String: Value]
    public var timeZone: TimeZone
    /// Warnings found while binding (for example record fields the playbook does not declare).
    public var warnings: [Diagnostic]
}

/// Binds a leaver's record (a JSON or YAML file) and `--set name=value` pairs to a playbook's
/// inputs: types checked, defaults applied, required inputs enforced, every problem reported.
public enum InputBinder {
    /// Binds `record` (a mapping node, usually parsed from a JSON file) and `overrides`, which win.
    public static func bind(_ playbook: Playbook, record: YAMLNode?, overrides: [(name: String, value: String)]) throws(DiagnosticsError) -> BoundInputs {
        var diagnostics: [Diagnostic] = []
        var recordFields: [String: YAMLNode] = [:]
        var recordLocation: SourceLocation?
        if let record {
            recordLocation = record.location
            if let pairs = record.mapping {
                for pair in pairs {
                    if playbook.input(pair.name) == nil {
                        diagnostics.append(.warning("field '\(pair.name)' is not an input of \(playbook.name) and is ignored", at: pair.key.location,
                                                    suggestion: Suggestion.closest(to: pair.name, in: playbook.inputs.map(\.name))))
                    }
                    recordFields[pair.name] = pair.value
                }
            } else {
                diagnostics.append(.error("a leaver record is a JSON object of input names to values, not \(record.kindDescription)", at: record.location))
            }
        }
        var overrideValues: [String: String] = [:]
        for (name, value) in overrides {
            if playbook.input(name) == nil {
                let hint = Suggestion.closest(to: name, in: playbook.inputs.map(\.name))
                diagnostics.append(.error("--set \(name): \(playbook.name) has no input '\(name)'", at: nil, suggestion: hint))
            }
            overrideValues[name] = value
        }

        var values: [String: Value] = [:]
        func bindInput(_ input: InputDeclaration, timeZone: TimeZone?) {
            let result: Result<Value, InputBinding.Problem>
            var location: SourceLocation?
            var origin = ""
            if let text = overrideValues[input.name] {
                result = InputBinding.convert(text: text, to: input, timeZone: timeZone)
                origin = " (from --set)"
            } else if let node = recordFields[input.name] {
                location = node.location
                result = InputBinding.convert(node, to: input, timeZone: timeZone)
            } else {
                if input.required {
                    let message = "missing required input '\(input.name)' (\(input.type.rawValue))" + (input.description.map { ": \($0)" } ?? "")
                    diagnostics.append(.error(message, at: recordLocation))
                }
                values[input.name] = input.defaultValue ?? .null
                return
            }
            switch result {
            case .success(let value):
                if value == .null, input.required {
                    diagnostics.append(.error("input '\(input.name)'\(origin) is required and may not be null", at: location))
                }
                values[input.name] = value
            case .failure(let problem):
                diagnostics.append(.error("input '\(input.name)'\(origin): \(problem.message)", at: location))
            }
        }

        // Datetimes written without an offset are read in the leaver's zone, which may itself be an input.
        let zoneDependent: Set<InputType> = [.datetime]
        for input in playbook.inputs where !zoneDependent.contains(input.type) { bindInput(input, timeZone: nil) }
        var timeZone = TimeZone.gmt
        if let zoneField = playbook.timeZone, !diagnostics.containsErrors {
            let scope = EvaluationScope(inputs: values, now: Date(), timeZone: .gmt)
            do {
                let rendered = try zoneField.render(in: scope)
                if case .string(let name) = rendered, let zone = TimeZone(identifier: name) {
                    timeZone = zone
                } else {
                    diagnostics.append(.error("timezone renders to \(rendered.interpolationText(in: .gmt).map { "'\($0)'" } ?? "no value"), not a time zone name", at: zoneField.source.location))
                }
            } catch {
                diagnostics.append(.error("timezone: \(error.message)", at: error.location))
            }
        }
        for input in playbook.inputs where zoneDependent.contains(input.type) { bindInput(input, timeZone: timeZone) }

        diagnostics = diagnostics.sortedByLocation()
        if diagnostics.containsErrors { throw DiagnosticsError(diagnostics) }
        return BoundInputs(values: values, timeZone: timeZone, warnings: diagnostics)
    }
}

extension InputBinder {
    /// The typed inputs of a stored run: its JSON inputs read back through the declarations.
    public static func restore(_ playbook: Playbook, json: JSONValue, timeZone: TimeZone) throws(DiagnosticsError) -> [String: Value] {
        let root = YAMLComposer.compose(Array(json.canonicalData()), file: "stored inputs").root
        var values: [String: Value] = [:]
        var problems: [Diagnostic] = []
        for input in playbook.inputs {
            guard let node = root?[input.name] else {
                values[input.name] = .null
                continue
            }
            switch InputBinding.convert(node, to: input, timeZone: timeZone) {
            case .success(let value): values[input.name] = value
            case .failure(let problem): problems.append(.error("stored input '\(input.name)': \(problem.message)", at: nil))
            }
        }
        if !problems.isEmpty { throw DiagnosticsError(problems) }
        return values
    }

    /// Inputs as the JSON object a run stores (dates in the leaver's zone, with their offset).
    public static func json(_ inputs: BoundInputs) -> JSONValue {
        .object(inputs.values.mapValues { $0.json(in: inputs.timeZone) })
    }
}
