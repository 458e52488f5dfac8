import Foundation
import Playbook

/// A leaver's inputs checked against the playbook's declarations, with the leaver's time zone.
public struct BoundInputs: Sendable {
    public var values: [String: Value]
    public var timeZone: TimeZone
    /// Warnings found while binding (for example record fields the playbook does not declare).
    public var warnings: [Diagnostic]
}

/// Binds a leaver's record (a JSON or YAML file) and `name=value` overrides to a playbook's
/// inputs: types checked, defaults applied, required inputs enforced, every problem reported.
public enum InputBinder {
    /// Binds `record` (a mapping node, usually parsed from a JSON file) and `overrides`, which win.
    /// With `now`, a date or datetime input may be written `now`, and a leave time already past is
    /// accepted with a warning that says how late it is (the steps timed from it act at once). Problems with an
    /// override name it by `overridesLabel`, the front end's word for them (the command line's is `--set`).
    public static func bind(_ playbook: Playbook, record: YAMLNode?, overrides: [(name: String, value: String)], overridesLabel: String = "override",
                            now: Date? = nil) throws(DiagnosticsError) -> BoundInputs {
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
                diagnostics.append(.error("\(overridesLabel) \(name): \(playbook.name) has no input '\(name)'", at: nil, suggestion: hint))
            }
            overrideValues[name] = value
        }

        var values: [String: Value] = [:]
        func bindInput(_ input: InputDeclaration, timeZone: TimeZone?) {
            let result: Result<Value, InputBinding.Problem>
            var location: SourceLocation?
            var origin = ""
            var notes: [String] = []
            defer { for note in notes { diagnostics.append(.warning("input '\(input.name)'\(origin): \(note)", at: location)) } }
            if let text = overrideValues[input.name] {
                result = InputBinding.convert(text: text, to: input, timeZone: timeZone, now: now, notes: &notes)
                origin = " (from \(overridesLabel))"
            } else if let node = recordFields[input.name] {
                location = node.location
                result = InputBinding.convert(node, to: input, timeZone: timeZone, now: now, notes: &notes)
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
        // (and `now` for a date input is the leaver's date).
        let zoneDependent: Set<InputType> = [.datetime, .date]
        for input in playbook.inputs where !zoneDependent.contains(input.type) { bindInput(input, timeZone: nil) }
        var timeZone = TimeZone.gmt
        // The zone is worked out even when other inputs are wrong, so a date's message names the right zone;
        // a zone that fails only because of those other errors is not reported twice.
        var zoneKnown = playbook.timeZone == nil
        if let zoneField = playbook.timeZone {
            let reportZoneProblems = !diagnostics.containsErrors
            let scope = EvaluationScope(inputs: values, now: Date(), timeZone: .gmt)
            do {
                let rendered = try zoneField.render(in: scope)
                if case .string(let name) = rendered, let zone = TimeZoneName.zone(named: name) {
                    timeZone = zone
                    zoneKnown = true
                } else if reportZoneProblems {
                    diagnostics.append(.error("timezone renders to \(rendered.interpolationText(in: .gmt).map { "'\($0)'" } ?? "no value"), not a time zone name", at: zoneField.source.location))
                }
            } catch {
                if reportZoneProblems { diagnostics.append(.error("timezone: \(error.message)", at: error.location)) }
            }
        }
        // With the zone unknown (its input is wrong), a time without an offset cannot be read at all.
        for input in playbook.inputs where zoneDependent.contains(input.type) { bindInput(input, timeZone: zoneKnown ? timeZone : nil) }

        if let now, !diagnostics.containsErrors, let late = lateness(of: playbook, values: values, timeZone: timeZone, now: now) {
            diagnostics.append(.warning(late, at: nil))
        }
        diagnostics = diagnostics.sortedByLocation()
        if diagnostics.containsErrors { throw DiagnosticsError(diagnostics) }
        return BoundInputs(values: values, timeZone: timeZone, warnings: diagnostics)
    }

    /// "the leave time … is 3 days ago …" when the playbook's leave time has already passed (by more than a minute).
    static func lateness(of playbook: Playbook, values: [String: Value], timeZone: TimeZone, now: Date) -> String? {
        guard let field = playbook.leaveTime else { return nil }
        let scope = EvaluationScope(inputs: values, now: now, timeZone: timeZone)
        guard let leave = (try? field.evaluate(in: scope))?.instant(in: timeZone) else { return nil }
        let seconds = Int(now.timeIntervalSince(leave).rounded())
        guard seconds > 60 else { return nil }
        return "the leave time \(DateText.iso8601(leave, in: timeZone)) was \(PlaybookDuration(seconds: seconds).roughly) ago: steps timed from it act at once"
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
