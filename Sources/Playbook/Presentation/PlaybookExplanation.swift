/// Shows each resolved step with the file and line it came from, and what overrode it.
public enum PlaybookExplanation {
    public static func render(_ playbook: Playbook, files: [String]) -> String {
        var lines = ["\(playbook.name) v\(playbook.version) (sha256 \(playbook.sha256))"]
        if files.count > 1 { lines.append("resolved from: \(files.joined(separator: ", "))") }
        lines.append("")
        for (index, step) in playbook.steps.enumerated() {
            let origin = step.provenance.definedAt
            lines.append("\(index + 1). \(step.id) (\(step.uses))")
            lines.append("     defined at \(origin.file):\(origin.line)")
            if let include = step.provenance.includedFrom {
                lines.append("     included by \(include.file):\(include.line)")
            }
            for override in step.provenance.overriddenAt {
                lines.append("     overridden at \(override.file):\(override.line)")
            }
            if !step.needs.isEmpty { lines.append("     needs \(step.needs.map(\.id).joined(separator: ", "))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The same facts as JSON.
    public static func json(_ playbook: Playbook, files: [String]) -> JSONValue {
        func location(_ place: SourceLocation) -> JSONValue { .string("\(place.file):\(place.line)") }
        let steps: [JSONValue] = playbook.steps.map { step in
            .object([
                "id": .string(step.id),
                "uses": .string(step.uses),
                "defined_at": location(step.provenance.definedAt),
                "included_by": step.provenance.includedFrom.map(location) ?? .null,
                "overridden_at": .array(step.provenance.overriddenAt.map(location)),
                "needs": .array(step.needs.map { .string($0.id) }),
            ])
        }
        return .object([
            "playbook": .string(playbook.name), "version": .int(playbook.version), "sha256": .string(playbook.sha256),
            "files": .array(files.map(JSONValue.string)), "steps": .array(steps),
        ])
    }
}
