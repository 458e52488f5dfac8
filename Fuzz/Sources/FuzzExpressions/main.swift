import CFuzzer
import Foundation
import Playbook

/// The expression and template language: parse, type-check and evaluate whatever arrives, against a scope with
/// every kind of value, so a hostile playbook or input can only produce a diagnostic, never a crash.
func fuzzExpressions(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let scope = EvaluationScope(
        inputs: ["name": .string("Ann O'Neil"), "n": .int(3), "x": .number(2.5), "flag": .bool(true), "day": .date(LocalDate(parsing: "2026-12-04")!),
                 "at": .datetime(Date(timeIntervalSince1970: 1_796_405_400)), "wait": .duration(PlaybookDuration(seconds: 90)),
                 "list": .list([.string("a"), .int(1)]), "object": .object(["k": .string("v")]), "none": .null],
        item: .object(["asset_tag": .string("LT-1")]), stepOutputs: ["s": .object(["id": .int(42)])], stepRemovals: ["s": "removed"],
        now: Date(timeIntervalSince1970: 1_796_000_000), timeZone: TimeZone(identifier: "Europe/London")!)
    if let expression = try? ExpressionParser.parse(text) {
        var checker = TypeChecker(scope: TypeScope(inputs: ["name": .string, "n": .int, "x": .number, "flag": .bool, "day": .date, "at": .datetime,
                                                            "wait": .duration, "list": .list(.any), "object": .object, "none": .any],
                                                   itemType: .object, stepIDs: ["s"], dependsOn: { _ in true }))
        _ = checker.check(expression)
        _ = try? Evaluator.evaluate(expression, in: scope)
    }
    if let template = try? Template.parse(text) {
        _ = try? template.render(in: scope)
    }
    return 0
}

// The program's own main hands control to libFuzzer, which calls the function above with each input.
var arguments = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &argv, { data, size in fuzzExpressions(data, size) }))
