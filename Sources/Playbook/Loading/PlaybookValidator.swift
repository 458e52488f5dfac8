import Foundation

/// Checks a decoded playbook as a whole: unique ids, known handlers and their parameters, the
/// `needs` graph, and every expression's names and types. Reports everything it finds.
struct PlaybookValidator {
    let playbook: Playbook
    let catalog: any HandlerCatalog
    /// Steps an extending playbook removed, for clearer errors about references to them.
    let removed: [String: SourceLocation]
    var diagnostics: [Diagnostic] = []

    private let graph: NeedsGraph
    private let inputTypes: [String: ValueType]
    private let stepIDs: Set<String>
    private let escalationSteps: Set<String>
    /// Steps that run only when triggered (named by an on_failure or on_deadline): worked out once, since
    /// every `needs` entry is checked against them (per entry it made validation quadratic).
    private let fallbackSteps: Set<String>
    /// Each step by id (the first definition), for lookups by the checks.
    private let stepsByID: [String: Step]

    init(playbook: Playbook, catalog: any HandlerCatalog, removed: [String: SourceLocation]) {
        self.playbook = playbook
        self.catalog = catalog
        self.removed = removed
        graph = NeedsGraph(steps: playbook.steps)
        stepIDs = Set(playbook.steps.map(\.id))
        escalationSteps = Set(playbook.steps.flatMap { $0.onDeadline.map(\.id) })
        fallbackSteps = playbook.fallbackStepIDs
        stepsByID = Dictionary(playbook.steps.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var inputTypes: [String: ValueType] = [:]
        for input in playbook.inputs { inputTypes[input.name] = input.valueType }
        self.inputTypes = inputTypes
    }

    mutating func validate() -> [Diagnostic] {
        checkTopLevel()
        var firstDefinition: [String: SourceLocation] = [:]
        for step in playbook.steps {
            if let first = firstDefinition[step.id] {
                diagnostics.append(.error("duplicate step id '\(step.id)' (first defined at \(first))", at: step.location))
            } else {
                firstDefinition[step.id] = step.location
            }
        }
        for step in playbook.steps { checkStep(step) }
        for cycle in graph.cycles() where cycle.count > 2 {
            let location = playbook.step(cycle[0])?.needs.first { $0.id == cycle[1] }?.location ?? playbook.step(cycle[0])?.location
            diagnostics.append(.error("needs cycle: \(cycle.joined(separator: " → ")) (each step needs the next)", at: location))
        }
        return diagnostics
    }

    private mutating func checkTopLevel() {
        if let leaveTime = playbook.leaveTime {
            let type = checkExpression(leaveTime, scope: TypeScope(inputs: inputTypes, stepOutputsForbiddenReason: "leave_time may only use inputs"))
            if let type, type != .datetime, type != .date, type != .any {
                diagnostics.append(.error("leave_time must be a datetime or a date, but the expression is \(type.withArticle)", at: leaveTime.source.location))
            }
        }
        if let zone = playbook.timeZone {
            if zone.template.expressions.isEmpty {
                if TimeZoneName.zone(named: zone.template.source) == nil {
                    diagnostics.append(.error("'\(zone.template.source)' is not a time zone name (IANA names such as Europe/London or UTC)", at: zone.source.location))
                }
            } else {
                checkTemplate(zone, scope: TypeScope(inputs: inputTypes, stepOutputsForbiddenReason: "timezone may only use inputs"), expecting: .string, what: "timezone")
            }
            if !zone.template.secretNames.isEmpty {
                diagnostics.append(.error("timezone may not hold a secret", at: zone.source.location))
            }
        }
    }

    private mutating func checkStep(_ step: Step) {
        checkNeeds(step)
        let timingScope = TypeScope(inputs: inputTypes, stepIDs: stepIDs,
                                    stepOutputsForbiddenReason: "timing may only use inputs and now, so a dry run can show when the step runs")
        let dependsOn: (String) -> Bool = { [graph] target in graph.waits(step.id, for: target) }
        let outputScope = TypeScope(inputs: inputTypes, stepIDs: stepIDs, dependsOn: dependsOn)
        var itemType: ValueType?
        if let forEach = step.forEach, let type = checkExpression(forEach, scope: outputScope) {
            switch type {
            case .list(let element): itemType = element
            case .any: itemType = .any
            default: diagnostics.append(.error("for_each needs a list, but the expression is \(type.withArticle)", at: forEach.source.location))
            }
            if itemType == nil { itemType = .any }
        }
        if escalationSteps.contains(step.id) {
            // An escalation runs once per missed deadline; `item` says which (step, item, due).
            itemType = .object
            if step.forEach != nil, let location = step.forEach?.source.location {
                diagnostics.append(.error("step '\(step.id)' is named by an on_deadline, so it runs once per missed deadline and cannot have for_each", at: location))
            }
            let failureTrigger = playbook.steps.lazy.compactMap { other -> SourceLocation? in
                if case .run(step.id, let location) = other.onFailure { return location } else { return nil }
            }.first
            if let location = failureTrigger {
                diagnostics.append(.error("step '\(step.id)' is named by both an on_failure and an on_deadline; give each its own step", at: location))
            }
        }
        let stepScope = TypeScope(inputs: inputTypes, itemType: itemType, stepIDs: stepIDs, dependsOn: dependsOn)
        if let when = step.when, let type = checkExpression(when, scope: stepScope), !ValueType.bool.accepts(type) {
            diagnostics.append(.error("when needs a bool, but the expression is \(type.withArticle)", at: when.source.location))
        }
        if let itemID = step.itemID {
            checkTemplate(itemID, scope: stepScope, expecting: .string, what: "item_id")
        }
        if let at = step.at, let type = checkExpression(at, scope: timingScope), ![.datetime, .date, .any].contains(type) {
            diagnostics.append(.error("at needs a datetime (such as inputs.leave_at or now), but the expression is \(type.withArticle)", at: at.source.location))
        }
        if let deadline = step.deadline, let type = checkExpression(deadline, scope: timingScope), ![.duration, .datetime, .date, .any].contains(type) {
            diagnostics.append(.error("deadline needs a duration (such as 1h or 5d) or a datetime, but the expression is \(type.withArticle)", at: deadline.source.location))
        }
        if let timeout = step.timeout, timeout.seconds <= 0 {
            diagnostics.append(.error("timeout must be longer than 0s", at: step.location))
        }
        checkOnFailure(step)
        checkOnDeadline(step)
        if let compensation = step.compensate {
            // Undoing runs after the step succeeded: its own output is known then.
            let undoScope = TypeScope(inputs: inputTypes, itemType: itemType, stepIDs: stepIDs,
                                      dependsOn: { target in target == step.id || dependsOn(target) })
            checkHandlerParameters(uses: compensation.uses, usesLocation: compensation.usesLocation, with: compensation.with, scope: undoScope)
        }
        guard !step.uses.isEmpty else { return }
        checkHandlerParameters(uses: step.uses, usesLocation: step.usesLocation, with: step.with, scope: stepScope)
    }

    private mutating func checkHandlerParameters(uses: String, usesLocation: SourceLocation, with: Parameter?, scope: TypeScope) {
        guard let schema = catalog.parameterSchema(for: uses) else {
            diagnostics.append(.error("unknown handler '\(uses)'; known handlers are \(catalog.handlerTypes.joined(separator: ", "))",
                                      at: usesLocation, suggestion: Suggestion.closest(to: uses, in: catalog.handlerTypes)))
            return
        }
        var checker = ParameterChecker(scope: scope, handler: uses)
        checker.checkWith(with, schema: schema, stepLocation: usesLocation)
        diagnostics += checker.diagnostics
    }

    private mutating func checkNeeds(_ step: Step) {
        var seen: Set<String> = []
        for need in step.needs {
            if need.id == step.id {
                diagnostics.append(.error("step '\(step.id)' needs itself", at: need.location))
            } else if !stepIDs.contains(need.id) {
                if let removedAt = removed[need.id] {
                    diagnostics.append(.error("needs '\(need.id)', which was removed at \(removedAt)", at: need.location))
                } else {
                    diagnostics.append(.error("needs unknown step '\(need.id)'", at: need.location,
                                              suggestion: Suggestion.closest(to: need.id, in: stepIDs.sorted())))
                }
            }
            if fallbackSteps.contains(need.id), !fallbackSteps.contains(step.id) {
                diagnostics.append(.error("'\(need.id)' runs only when triggered (it is named by an on_failure or on_deadline), so no step can need it",
                                          at: need.location))
            }
            if !seen.insert(need.id).inserted {
                diagnostics.append(.warning("'\(need.id)' is listed twice in needs", at: need.location))
            }
        }
    }

    private mutating func checkOnFailure(_ step: Step) {
        guard case .run(let target, let location) = step.onFailure else { return }
        if target == step.id {
            diagnostics.append(.error("on_failure cannot run the failing step itself", at: location))
        } else if !stepIDs.contains(target) {
            diagnostics.append(.error("on_failure must be abort, continue or a step id; there is no step '\(target)'", at: location,
                                      suggestion: Suggestion.closest(to: target, in: stepIDs.sorted() + ["abort", "continue"])))
        } else if let fallback = stepsByID[target], !fallback.needs.isEmpty {
            diagnostics.append(.warning("step '\(target)' runs when '\(step.id)' fails, so its needs are ignored", at: fallback.needs[0].location))
        }
    }

    private mutating func checkOnDeadline(_ step: Step) {
        guard let first = step.onDeadline.first else { return }
        if step.deadline == nil {
            diagnostics.append(.error("on_deadline needs a deadline on step '\(step.id)' (nothing can be missed without one)", at: first.location))
        }
        for target in step.onDeadline {
            if target.id == step.id {
                diagnostics.append(.error("on_deadline cannot run the late step itself", at: target.location))
            } else if !stepIDs.contains(target.id) {
                diagnostics.append(.error("on_deadline names unknown step '\(target.id)'", at: target.location,
                                          suggestion: Suggestion.closest(to: target.id, in: stepIDs.sorted())))
            } else if let escalation = stepsByID[target.id], !escalation.needs.isEmpty {
                diagnostics.append(.warning("step '\(target.id)' runs when '\(step.id)' misses its deadline, so its needs are ignored",
                                            at: escalation.needs[0].location))
            }
        }
    }

    /// The expression's type, or nil after reporting its problems.
    private mutating func checkExpression(_ field: ExpressionField, scope: TypeScope) -> ValueType? {
        var checker = TypeChecker(scope: scope)
        let type = checker.check(field.expression)
        for problem in checker.problems {
            diagnostics.append(.error(problem.message, at: field.source.location(at: problem.offset), suggestion: problem.suggestion))
        }
        return checker.problems.isEmpty ? type : nil
    }

    private mutating func checkTemplate(_ field: TemplateField, scope: TypeScope, expecting: ValueType, what: String) {
        for expression in field.template.expressions {
            if let type = checkExpression(ExpressionField(expression: expression, source: field.source), scope: scope),
               field.template.singleExpression != nil, !expecting.accepts(type), type != .int {
                diagnostics.append(.error("\(what) needs \(expecting.withArticle), but the expression is \(type.withArticle)", at: field.source.location))
            }
        }
    }
}
