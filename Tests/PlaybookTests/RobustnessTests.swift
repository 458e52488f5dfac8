import Foundation
import Playbook
import Testing

/// A small deterministic generator, so a failing input can be reproduced from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// No input may crash or hang the loader: mutated playbooks, random bytes, token soup.
@Suite struct RobustnessTests {
    static let fragments: [[UInt8]] = ["{{", "}}", "${secret:", "*a", "&a ", "!!str ", "!x ", "[", "]", "{", "}", ": ", "- ", "\n  ", "\t",
                                       "? ", "|\n", ">-\n", "'", "\"", "#", "%YAML 1.2\n", "---\n", "...\n", "<<: *a\n", "inputs.", "steps.",
                                       "needs: [", "extends: ../../etc/passwd\n", "include: x.yaml\n"].map { Array($0.utf8) } + [[0xFF], [0x00], [0xC3], [0xE2, 0x82]]

    static func mutate(_ bytes: [UInt8], using generator: inout SplitMix64) -> [UInt8] {
        var result = bytes
        for _ in 0..<Int.random(in: 1...6, using: &generator) {
            let position = result.isEmpty ? 0 : Int.random(in: 0..<result.count, using: &generator)
            switch Int.random(in: 0..<5, using: &generator) {
            case 0 where !result.isEmpty: result[position] = UInt8.random(in: 0...255, using: &generator)
            case 1: result.insert(contentsOf: fragments.randomElement(using: &generator)!, at: position)
            case 2 where !result.isEmpty: result.removeSubrange(position..<min(result.count, position + Int.random(in: 1...40, using: &generator)))
            case 3 where !result.isEmpty:
                let end = min(result.count, position + Int.random(in: 1...80, using: &generator))
                result.insert(contentsOf: result[position..<end], at: Int.random(in: 0...result.count, using: &generator))
            default: result.insert(UInt8.random(in: 0x20...0x7E, using: &generator), at: position)
            }
        }
        return result
    }

    @Test func mutatedPlaybooksNeverCrashTheLoader() throws {
        let sources = try FileManager.default.contentsOfDirectory(atPath: Fixtures.workflows).filter { $0.hasSuffix(".yaml") }
            .map { Array(FileManager.default.contents(atPath: "\(Fixtures.workflows)/\($0)")!) }
        let directory = try Fixtures.temporaryDirectory(["base.yaml": String(decoding: sources[0], as: UTF8.self)])
        var generator = SplitMix64(state: 20_261_123)
        var outcomes = (valid: 0, invalid: 0)
        for iteration in 0..<400 {
            let bytes = Self.mutate(sources[iteration % sources.count], using: &generator)
            let path = "\(directory)/case.yaml"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let result = Fixtures.load(path, root: directory)
            if result.playbook != nil { outcomes.valid += 1 } else { outcomes.invalid += 1 }
            #expect(result.playbook != nil || result.diagnostics.containsErrors, "iteration \(iteration) gave neither a playbook nor an error")
        }
        #expect(outcomes.invalid > 100)
    }

    @Test func randomBytesNeverCrashTheComposer() {
        var generator = SplitMix64(state: 7)
        for _ in 0..<2_000 {
            let length = Int.random(in: 0...300, using: &generator)
            var bytes: [UInt8] = []
            while bytes.count < length {
                if Bool.random(using: &generator) {
                    bytes += Self.fragments.randomElement(using: &generator)!
                } else {
                    bytes.append(UInt8.random(in: 0...255, using: &generator))
                }
            }
            _ = YAMLComposer.compose(bytes, file: "random.yaml")
        }
    }

    @Test func tokenSoupNeverCrashesTheExpressionLanguage() {
        let tokens = ["inputs.a", "item", "steps.x.output.y", "now", "1", "2.5", "3d", "'s'", "true", "null", "(", ")", "[", "]", ",", ".",
                      "==", "!=", "<", ">=", "&&", "||", "!", "-", "+", "?", ":", "in", "\"", "{{", "}}"]
        var generator = SplitMix64(state: 42)
        let scope = EvaluationScope(inputs: ["a": .int(1)], item: .list([.int(1)]), now: Date(timeIntervalSince1970: 0))
        for _ in 0..<5_000 {
            let text = (0..<Int.random(in: 1...12, using: &generator)).map { _ in tokens.randomElement(using: &generator)! }.joined(separator: " ")
            guard let expression = try? ExpressionParser.parse(text) else { continue }
            var checker = TypeChecker(scope: TypeScope(inputs: ["a": .int], itemType: .any, stepIDs: ["x"], dependsOn: { _ in true }))
            _ = checker.check(expression)
            _ = try? Evaluator.evaluate(expression, in: scope)
        }
    }

    @Test func aLongChainOfStepsIsValidatedWithoutDeepRecursion() throws {
        var lines = ["playbook: chain", "version: 1", "steps:"]
        for index in 0..<5_000 {
            lines.append("  - { id: s\(index), uses: log, with: { message: m }\(index > 0 ? ", needs: [s\(index - 1)]" : "") }")
        }
        lines.append("  - { id: loop, uses: log, needs: [s4999, loop2], with: { message: m } }")
        lines.append("  - { id: loop2, uses: log, needs: [loop], with: { message: m } }")
        let directory = try Fixtures.temporaryDirectory(["chain.yaml": lines.joined(separator: "\n")])
        let result = Fixtures.load("\(directory)/chain.yaml")
        #expect(result.diagnostics.map(\.message) == ["needs cycle: loop → loop2 → loop (each step needs the next)"])
    }
}
