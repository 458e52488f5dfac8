extension PlaybookResolver {
    /// Applies a child playbook's step entries to the base's steps.
    mutating func mergeSteps(into base: inout Resolved, overrides: [ResolvedStep], baseFile: String) {
        let baseIDs = base.steps.compactMap(\.id)
        for entry in overrides {
            guard let id = entry.id, let pairs = entry.node.mapping else {
                diagnostics.append(.error("a step in a playbook that extends another needs an id", at: entry.node.location))
                continue
            }
            let remove = entry.node["remove"]
            if let remove, remove.scalar?.value != .bool(true), remove.scalar?.value != .bool(false) {
                diagnostics.append(.error("remove takes true or false, not \(remove.kindDescription)", at: remove.location))
            }
            let position = insertionPosition(of: entry.node)
            let kept = pairs.filter { !["remove", "before"].contains($0.name) && !($0.name == "after" && Self.isPosition($0.value)) }
            if let index = base.steps.firstIndex(where: { $0.id == id }) {
                var step = base.steps[index]
                if remove?.scalar?.value == .bool(true) {
                    // A misspelt key is an error here as anywhere (with its did-you-mean); a real one only does nothing.
                    let allowed = PlaybookDecoder.stepKeys + ["remove", "before"]
                    for extra in kept where extra.name != "id" && !allowed.contains(extra.name) {
                        diagnostics.append(.error("unknown key '\(extra.name)' in a step", at: extra.key.location,
                                                  suggestion: Suggestion.closest(to: extra.name, in: allowed)))
                    }
                    if let extra = kept.first(where: { $0.name != "id" && allowed.contains($0.name) }) {
                        diagnostics.append(.warning("'\(extra.name)' has no effect on a step that is removed", at: extra.key.location))
                    }
                    base.steps.remove(at: index)
                    base.removed[id] = entry.node.location
                    continue
                }
                step.node = Self.overriding(step.node, with: kept.filter { $0.name != "id" })
                step.provenance.overriddenAt.append(entry.node.location)
                if let position {
                    base.steps.remove(at: index)
                    insert(step, at: position, into: &base)
                } else {
                    base.steps[index] = step
                }
                continue
            }
            if remove?.scalar?.value == .bool(true) {
                diagnostics.append(.error("cannot remove step '\(id)': \(baseFile) has no such step", at: entry.node.location,
                                          suggestion: Suggestion.closest(to: id, in: baseIDs)))
                continue
            }
            guard entry.node["uses"] != nil else {
                let idLocation = pairs.first { $0.name == "id" }?.value.location ?? entry.node.location
                diagnostics.append(.error("step '\(id)' is not in \(baseFile), so it needs uses: to be added", at: idLocation,
                                          suggestion: Suggestion.closest(to: id, in: baseIDs)))
                continue
            }
            let step = ResolvedStep(node: YAMLNode(.mapping(kept), at: entry.node.location), provenance: entry.provenance)
            if let position {
                insert(step, at: position, into: &base)
            } else {
                base.steps.append(step)
            }
        }
    }

    /// Where `before:` or `after: <id>` asks to put a step.
    private struct Position {
        var target: String
        var before: Bool
        var location: SourceLocation
    }

    private mutating func insertionPosition(of node: YAMLNode) -> Position? {
        let before = node["before"]
        let after = node["after"].flatMap { Self.isPosition($0) ? $0 : nil }
        if let before, after != nil {
            diagnostics.append(.error("a step takes before: or after:, not both", at: before.location))
        }
        guard let chosen = before ?? after else { return nil }
        guard let target = chosen.string else {
            diagnostics.append(.error("\(before != nil ? "before" : "after") takes a step id, not \(chosen.kindDescription)", at: chosen.location))
            return nil
        }
        return Position(target: target, before: before != nil, location: chosen.location)
    }

    private mutating func insert(_ step: ResolvedStep, at position: Position, into base: inout Resolved) {
        guard let index = base.steps.firstIndex(where: { $0.id == position.target }) else {
            diagnostics.append(.error("no step '\(position.target)' to insert \(position.before ? "before" : "after")", at: position.location,
                                      suggestion: Suggestion.closest(to: position.target, in: base.steps.compactMap(\.id))))
            base.steps.append(step)
            return
        }
        base.steps.insert(step, at: position.before ? index : index + 1)
    }

    /// The base step's node with the child's fields: `with` merges by key, everything else replaces.
    static func overriding(_ node: YAMLNode, with fields: [YAMLPair]) -> YAMLNode {
        var pairs = node.mapping ?? []
        for field in fields {
            if let index = pairs.firstIndex(where: { $0.name == field.name }) {
                if field.name == "with", let basePairs = pairs[index].value.mapping, let childPairs = field.value.mapping {
                    let merged = mergeMappings(basePairs, childPairs, removingNulls: true)
                    pairs[index] = YAMLPair(key: field.key, value: YAMLNode(.mapping(merged), at: field.value.location))
                } else {
                    pairs[index] = field
                }
            } else {
                pairs.append(field)
            }
        }
        return YAMLNode(.mapping(pairs), at: node.location)
    }
}
