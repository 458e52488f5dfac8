/// Draws a playbook's steps and `needs` edges as Mermaid or Graphviz DOT.
public enum PlaybookGraph {
    /// The output languages.
    public enum Format: String, Sendable, CaseIterable {
        case mermaid, dot
    }

    public static func render(_ playbook: Playbook, as format: Format) -> String {
        switch format {
        case .mermaid: return mermaid(playbook)
        case .dot: return dot(playbook)
        }
    }

    private static func label(_ step: Step) -> [String] {
        var parts = [step.id, step.uses]
        if let forEach = step.forEach { parts.append("for each \(forEach.text)") }
        if let when = step.when { parts.append("if \(when.text)") }
        if let at = step.at { parts.append("at \(at.text)") }
        return parts
    }

    private static func mermaid(_ playbook: Playbook) -> String {
        var lines = ["flowchart TD"]
        var nodeNames: [String: String] = [:]
        for (index, step) in playbook.steps.enumerated() { nodeNames[step.id] = "s\(index)" }
        let fallbacks = playbook.fallbackStepIDs
        for step in playbook.steps {
            let text = label(step).map(mermaidEscape).joined(separator: "<br/>")
            let node = nodeNames[step.id]!
            lines.append(fallbacks.contains(step.id) ? "    \(node){{\"\(text)\"}}" : "    \(node)[\"\(text)\"]")
        }
        for step in playbook.steps {
            for need in step.needs {
                if let from = nodeNames[need.id] { lines.append("    \(from) --> \(nodeNames[step.id]!)") }
            }
            if case .run(let target, _) = step.onFailure, let to = nodeNames[target] {
                lines.append("    \(nodeNames[step.id]!) -. on failure .-> \(to)")
            }
            for target in step.onDeadline {
                if let to = nodeNames[target.id] { lines.append("    \(nodeNames[step.id]!) -. on deadline .-> \(to)") }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func mermaidEscape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\"": escaped += "#quot;"
            case "<": escaped += "#lt;"
            case ">": escaped += "#gt;"
            case "#": escaped += "#35;"
            case "\n": escaped += " "
            default: escaped.append(character)
            }
        }
        return escaped
    }

    private static func dot(_ playbook: Playbook) -> String {
        var lines = ["digraph \(dotQuote(playbook.name)) {", "    rankdir=TB;", "    node [shape=box, fontname=\"Helvetica\"];"]
        let fallbacks = playbook.fallbackStepIDs
        for step in playbook.steps {
            let shape = fallbacks.contains(step.id) ? ", shape=hexagon" : ""
            lines.append("    \(dotQuote(step.id)) [label=\(dotQuote(label(step).joined(separator: "\n")))\(shape)];")
        }
        for step in playbook.steps {
            for need in step.needs { lines.append("    \(dotQuote(need.id)) -> \(dotQuote(step.id));") }
            if case .run(let target, _) = step.onFailure {
                lines.append("    \(dotQuote(step.id)) -> \(dotQuote(target)) [style=dashed, label=\"on failure\"];")
            }
            for target in step.onDeadline {
                lines.append("    \(dotQuote(step.id)) -> \(dotQuote(target.id)) [style=dotted, label=\"on deadline\"];")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func dotQuote(_ text: String) -> String {
        var escaped = "\""
        for character in text {
            switch character {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped + "\""
    }
}
