/// What names an expression may use where it is written, with their types.
public struct TypeScope {
    /// Declared inputs and their types.
    public var inputs: [String: ValueType]
    /// The type of `item`, or nil outside a `for_each` step.
    public var itemType: ValueType?
    /// Every step id of the playbook.
    public var stepIDs: Set<String>
    /// Whether the step being checked waits for the given step (directly or through others).
    public var dependsOn: (String) -> Bool
    /// Why step outputs may not be used here (for example in `at:`), or nil when they may.
    public var stepOutputsForbiddenReason: String?

    public init(inputs: [String: ValueType], itemType: ValueType? = nil, stepIDs: Set<String> = [],
                dependsOn: @escaping (String) -> Bool = { _ in false }, stepOutputsForbiddenReason: String? = nil) {
        self.inputs = inputs
        self.itemType = itemType
        self.stepIDs = stepIDs
        self.dependsOn = dependsOn
        self.stepOutputsForbiddenReason = stepOutputsForbiddenReason
    }
}

/// Infers an expression's type and reports every misuse: unknown names, outputs of steps not waited
/// for, operators applied to the wrong types.
public struct TypeChecker {
    /// One problem, at a character offset in the template text.
    public struct Problem: Sendable, Hashable {
        public var message: String
        public var offset: Int
        public var suggestion: String?
    }

    public private(set) var problems: [Problem] = []
    let scope: TypeScope

    public init(scope: TypeScope) { self.scope = scope }

    private mutating func report(_ message: String, at offset: Int, suggestion: String? = nil) {
        problems.append(Problem(message: message, offset: offset, suggestion: suggestion))
    }

    /// The expression's type; `.any` where a problem was reported, so one mistake is reported once.
    public mutating func check(_ expression: Expression) -> ValueType {
        switch expression.kind {
        case .literal(let value):
            return value.type
        case .path(let segments):
            return checkPath(segments)
        case .list(let items):
            var element: ValueType? = nil
            for item in items {
                let type = check(item)
                element = element.map { $0.joined(with: type) ?? .any } ?? type
            }
            return .list(element ?? .any)
        case .index(let base, let index):
            return checkIndex(base: check(base), index: check(index), at: index.offset)
        case .unary(let op, let operand):
            let type = check(operand)
            switch op {
            case .not:
                if !ValueType.bool.accepts(type) { report("'!' needs a bool, not \(type)", at: expression.offset) }
                return .bool
            case .negate:
                if type != .any, !type.isNumeric, type != .duration { report("'-' needs a number or a duration, not \(type)", at: expression.offset) }
                return type
            }
        case .conditional(let condition, let whenTrue, let whenFalse):
            let conditionType = check(condition)
            if !ValueType.bool.accepts(conditionType) { report("the condition before '?' must be a bool, not \(conditionType)", at: condition.offset) }
            let a = check(whenTrue), b = check(whenFalse)
            guard let joined = a.joined(with: b) else {
                report("the branches of '?:' have different types, \(a) and \(b)", at: whenTrue.offset)
                return .any
            }
            return joined
        case .binary(let op, let lhs, let rhs):
            return checkBinary(op, check(lhs), check(rhs), at: rhs.offset, lhsOffset: lhs.offset)
        }
    }

    private mutating func checkPath(_ segments: [PathSegment]) -> ValueType {
        let root = segments[0]
        switch root.name {
        case "now":
            guard segments.count == 1 else {
                report("'now' has no fields", at: segments[1].offset)
                return .any
            }
            return .datetime
        case "inputs":
            guard segments.count > 1 else {
                report("'inputs' needs a name: inputs.NAME", at: root.offset)
                return .any
            }
            let name = segments[1]
            guard let type = scope.inputs[name.name] else {
                report("unknown input '\(name.name)'", at: name.offset, suggestion: Suggestion.closest(to: name.name, in: scope.inputs.keys.sorted()))
                return .any
            }
            return fieldType(of: type, path: segments.dropFirst(2), describing: "inputs.\(name.name)")
        case "item":
            guard let itemType = scope.itemType else {
                report("'item' is only defined in a step with for_each", at: root.offset)
                return .any
            }
            return fieldType(of: itemType, path: segments.dropFirst(), describing: "item")
        case "steps":
            return checkStepOutput(segments)
        default:
            let roots = ["inputs", "item", "steps", "now"]
            let suggestion = scope.inputs[root.name] != nil ? "inputs.\(root.name)" : Suggestion.closest(to: root.name, in: roots)
            report("unknown name '\(root.name)'; expressions start with inputs., item., steps. or now", at: root.offset,
                   suggestion: suggestion)
            return .any
        }
    }

    private mutating func checkStepOutput(_ segments: [PathSegment]) -> ValueType {
        let isRemoval = segments.count == 3 && segments[2].name == "removal"
        guard segments.count >= 3, segments[2].name == "output" || isRemoval else {
            report("a step's result is read as steps.ID.output.FIELD, or steps.ID.removal", at: segments[min(segments.count - 1, 2)].offset)
            return .any
        }
        let id = segments[1]
        guard scope.stepIDs.contains(id.name) else {
            report("unknown step '\(id.name)'", at: id.offset, suggestion: Suggestion.closest(to: id.name, in: scope.stepIDs.sorted()))
            return .any
        }
        if let reason = scope.stepOutputsForbiddenReason {
            report(reason, at: segments[0].offset)
            return .any
        }
        guard scope.dependsOn(id.name) else {
            report("uses the output of step '\(id.name)' without waiting for it; add '\(id.name)' to this step's needs", at: id.offset)
            return .any
        }
        if isRemoval { return .string }
        return segments.count == 3 ? .object : .any
    }

    private mutating func fieldType(of type: ValueType, path: ArraySlice<PathSegment>, describing name: String) -> ValueType {
        guard let field = path.first else { return type }
        switch type {
        case .any, .object: return .any
        default:
            report("\(name) is \(type.withArticle); it has no field '\(field.name)'", at: field.offset)
            return .any
        }
    }

    private mutating func checkIndex(base: ValueType, index: ValueType, at offset: Int) -> ValueType {
        switch base {
        case .any: return .any
        case .list(let element):
            if !ValueType.int.accepts(index) { report("a list is indexed by an int, not \(index)", at: offset) }
            return element
        case .object:
            if !ValueType.string.accepts(index) { report("an object is indexed by a string, not \(index)", at: offset) }
            return .any
        default:
            report("\(base.withArticle) cannot be indexed", at: offset)
            return .any
        }
    }

    private mutating func checkBinary(_ op: BinaryOperator, _ l: ValueType, _ r: ValueType, at offset: Int, lhsOffset: Int) -> ValueType {
        switch op {
        case .and, .or:
            if !ValueType.bool.accepts(l) { report("'\(op.rawValue)' needs bools, not \(l)", at: lhsOffset) }
            if !ValueType.bool.accepts(r) { report("'\(op.rawValue)' needs bools, not \(r)", at: offset) }
            return .bool
        case .equal, .notEqual:
            if !(l.accepts(r) || r.accepts(l)) { report("cannot compare \(l) with \(r)", at: offset) }
            return .bool
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            let ordered: Set<ValueType> = [.int, .number, .string, .date, .datetime, .duration]
            let comparable = l == .any || r == .any || (l.isNumeric && r.isNumeric) || (l == r && ordered.contains(l))
            if !comparable { report("cannot order \(l) against \(r) with '\(op.rawValue)'", at: offset) }
            return .bool
        case .in:
            switch r {
            case .any: break
            case .list(let element):
                if !(element.accepts(l) || l.accepts(element)) { report("cannot look for \(l.withArticle) in a list of \(element)", at: lhsOffset) }
            case .string, .object:
                if !ValueType.string.accepts(l) { report("'in' on \(r.withArticle) needs a string on the left, not \(l)", at: lhsOffset) }
            default:
                report("'in' needs a list, a string or an object on the right, not \(r)", at: offset)
            }
            return .bool
        case .add, .subtract:
            if let result = arithmeticResult(op, l, r) { return result }
            report("cannot \(op == .add ? "add" : "subtract") \(r) \(op == .add ? "to" : "from") \(l)", at: offset)
            return .any
        }
    }

    private func arithmeticResult(_ op: BinaryOperator, _ l: ValueType, _ r: ValueType) -> ValueType? {
        switch (l, r) {
        case (.any, _), (_, .any): return .any
        case (.int, .int): return .int
        case _ where l.isNumeric && r.isNumeric: return .number
        case (.duration, .duration): return .duration
        case (.datetime, .duration): return .datetime
        case (.date, .duration): return .date
        case (.duration, .datetime) where op == .add: return .datetime
        case (.string, .string) where op == .add: return .string
        case (.datetime, .datetime) where op == .subtract: return .duration
        case (.date, .date) where op == .subtract: return .duration
        default: return nil
        }
    }
}
