import Foundation
@testable import Playbook
import Testing

@Suite struct ExpressionTests {
    static let leave = DateText.parseDateTime("2026-12-04T17:30:00Z", defaultTimeZone: nil)!
    static let now = DateText.parseDateTime("2026-11-23T10:00:00Z", defaultTimeZone: nil)!

    static let scope = EvaluationScope(
        inputs: [
            "email": .string("jryan@example.com"), "leave_at": .datetime(leave), "immediate": .bool(false),
            "count": .int(3), "role": .null, "devices": .list([.object(["asset_tag": .string("LT-1")]), .object(["asset_tag": .string("PH-2")])]),
            "day": .date(LocalDate(parsing: "2026-12-04")!), "tags": .list([.string("vip"), .string("sales")]),
        ],
        item: .object(["asset_tag": .string("LT-1"), "type": .string("laptop")]), now: now)

    func evaluate(_ text: String, scope: EvaluationScope = Self.scope) throws -> Value {
        try Evaluator.evaluate(try ExpressionParser.parse(text), in: scope)
    }

    @Test(arguments: [
        ("1 + 2 == 3", Value.bool(true)),
        ("true || false && false", .bool(true)),
        ("!(inputs.count > 2)", .bool(false)),
        ("inputs.count - 5", .int(-2)),
        ("inputs.immediate ? 'now' : 'later'", .string("later")),
        ("'vip' in inputs.tags", .bool(true)),
        ("'exec' in inputs.tags", .bool(false)),
        ("'example' in inputs.email", .bool(true)),
        ("inputs.role == null", .bool(true)),
        ("inputs.devices[1].asset_tag", .string("PH-2")),
        ("item.asset_tag", .string("LT-1")),
        ("item['type']", .string("laptop")),
        ("1h30m + 30m", .duration(PlaybookDuration(seconds: 7200))),
        ("inputs.leave_at - now", .duration(PlaybookDuration(seconds: 977_400))),
        ("inputs.leave_at > now", .bool(true)),
        ("inputs.day + 2d", .date(LocalDate(parsing: "2026-12-06")!)),
        ("[1, 2][0] < 1.5", .bool(true)),
        ("'a' + 'b'", .string("ab")),
        ("-1h < 0s", .bool(true)),
        ("inputs.role != null && inputs.role.name == 'x'", .bool(false)),
    ])
    func evaluates(_ text: String, _ expected: Value) throws {
        #expect(try evaluate(text) == expected)
    }

    @Test func dateArithmeticUsesFoundation() throws {
        let value = try evaluate("inputs.leave_at + 1d")
        #expect(value == .datetime(Self.leave.addingTimeInterval(86_400)))
        let ternary = try evaluate("inputs.immediate ? now : inputs.leave_at")
        #expect(ternary == .datetime(Self.leave))
    }

    @Test func integerOverflowIsAnErrorNotATrap() {
        var extreme = Self.scope
        extreme.inputs["count"] = .int(.min)
        #expect(throws: EvaluationError(message: "integer overflow", offset: 0)) { try evaluate("-inputs.count", scope: extreme) }
        #expect(throws: EvaluationError(message: "integer overflow", offset: 15)) { try evaluate("inputs.count - 1", scope: extreme) }
    }

    @Test func nullHasNoFields() {
        #expect(throws: EvaluationError.self) { try evaluate("inputs.role.name") }
    }

    @Test func unknownStepOutputsPropagateInDryRuns() throws {
        #expect(try evaluate("steps.find.output.id == 'x'") == .unknown(""))
        #expect(try evaluate("false && steps.find.output.id == 'x'") == .bool(false))
    }

    @Test(arguments: [
        ("", "empty expression", 0), ("1 +", "expected a value but found the end of the expression", 3),
        ("a = b", "unexpected '='; compare with '=='", 2), ("'open", "unterminated string literal", 0),
        ("1 < 2 < 3", "comparisons do not chain; add parentheses around '<' or '<'", 2),
        ("5x", "unexpected 'x' after a number", 1), ("3hm", "'3hm' is not a duration (write for example 90s, 15m, 1h30m, 5d, 2w)", 0),
        ("a ? b", "expected ':' but found the end of the expression", 5), ("#", "unexpected character '#'", 0),
    ])
    func parseErrorsHaveOffsets(_ text: String, _ message: String, _ offset: Int) {
        #expect(throws: ExpressionParser.ParseError(message: message, offset: offset)) { try ExpressionParser.parse(text) }
    }

    @Test func hugeAndDeepExpressionsAreRefusedNotCrashing() {
        let deep = String(repeating: "(", count: 5_000) + "1" + String(repeating: ")", count: 5_000)
        #expect(throws: ExpressionParser.ParseError.self) { try ExpressionParser.parse(deep) }
        let long = Array(repeating: "1", count: 50_000).joined(separator: " + ")
        #expect(throws: ExpressionParser.ParseError.self) { try ExpressionParser.parse(long) }
        #expect(throws: ExpressionParser.ParseError.self) { try ExpressionParser.parse(String(repeating: "!", count: 10_000) + "true") }
    }

    func problems(_ text: String, scope: TypeScope) throws -> [String] {
        var checker = TypeChecker(scope: scope)
        _ = checker.check(try ExpressionParser.parse(text))
        return checker.problems.map { "\($0.offset): \($0.message)" + ($0.suggestion.map { " [\($0)]" } ?? "") }
    }

    static var types: TypeScope { TypeScope(inputs: ["email": .string, "leave_at": .datetime, "count": .int, "devices": .list(.object)],
                                 itemType: .object, stepIDs: ["find", "other"], dependsOn: { $0 == "find" }) }

    @Test func typeCheckerInfersTypes() throws {
        var checker = TypeChecker(scope: Self.types)
        #expect(checker.check(try ExpressionParser.parse("inputs.leave_at + 1d")) == .datetime)
        #expect(checker.check(try ExpressionParser.parse("inputs.count > 1 ? 'a' : null")) == .string)
        #expect(checker.check(try ExpressionParser.parse("inputs.devices[0]")) == .object)
        #expect(checker.check(try ExpressionParser.parse("inputs.leave_at - now")) == .duration)
        #expect(checker.problems.isEmpty)
    }

    @Test(arguments: [
        ("inputs.emal", ["7: unknown input 'emal' [email]"]),
        ("steps.other.output.id", ["6: uses the output of step 'other' without waiting for it; add 'other' to this step's needs"]),
        ("steps.nope.output.id", ["6: unknown step 'nope'"]),
        ("steps.find.id", ["11: a step's result is read as steps.ID.output.FIELD, or steps.ID.removal"]),
        ("inputs.count && true", ["0: '&&' needs bools, not int"]),
        ("inputs.email + 1", ["15: cannot add int to string"]),
        ("inputs.leave_at < 'x'", ["18: cannot order datetime against string with '<'"]),
        ("inputs.count ? 1 : 2", ["0: the condition before '?' must be a bool, not int"]),
        ("true ? 1 : 'a'", ["7: the branches of '?:' have different types, int and string"]),
        ("inputs.email.domain", ["13: inputs.email is a string; it has no field 'domain'"]),
        ("now.year", ["4: 'now' has no fields"]),
        ("emial", ["0: unknown name 'emial'; expressions start with inputs., item., steps. or now"]),
        ("1 in inputs.email", ["0: 'in' on a string needs a string on the left, not int"]),
    ])
    func typeErrors(_ text: String, _ expected: [String]) throws {
        #expect(try problems(text, scope: Self.types) == expected)
    }

    @Test func itemIsOnlyInScopeInFanOut() throws {
        var scope = Self.types
        scope.itemType = nil
        #expect(try problems("item.asset_tag", scope: scope) == ["0: 'item' is only defined in a step with for_each"])
    }

    @Test func durationsParseAndPrint() {
        #expect(PlaybookDuration(parsing: "1h30m")?.seconds == 5_400)
        #expect(PlaybookDuration(parsing: "2w")?.seconds == 1_209_600)
        #expect(PlaybookDuration(parsing: "30d")?.description == "30d")
        #expect(PlaybookDuration(parsing: "90s")?.description == "1m30s")
        for bad in ["", "5", "h", "1m1h", "1.5h", "-1h", "1hh", "99999999999999999999d"] {
            #expect(PlaybookDuration(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func localDatesRejectImpossibleDays() {
        #expect(LocalDate(parsing: "2026-02-29") == nil)
        #expect(LocalDate(parsing: "2028-02-29") != nil)
        #expect(LocalDate(parsing: "2026-2-1") == nil)
    }
}
