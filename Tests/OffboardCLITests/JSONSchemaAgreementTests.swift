import Foundation
import Handlers
import Playbook
import Testing

/// The published JSON Schema and the loader agree: every shipped playbook passes both, and
/// documents with shape errors fail both. The schema is checked by Python's `jsonschema`, the
/// reference validator, on the JSON our own YAML composer produces.
@Suite struct JSONSchemaAgreementTests {
    static let invalid: [String: String] = [
        "unknown-top-level.yaml": "playbook: x\nversion: 1\nowner: me\nsteps: []\n",
        "unknown-step-key.yaml": "playbook: x\nversion: 1\nsteps:\n  - { id: a, uses: log, neds: [b], with: { message: m } }\n",
        "missing-uses.yaml": "playbook: x\nversion: 1\nsteps:\n  - { id: a, with: { message: m } }\n",
        "unknown-parameter.yaml": "playbook: x\nversion: 1\nsteps:\n  - { id: a, uses: log, with: { mesage: m } }\n",
        "wrong-parameter-type.yaml": "playbook: x\nversion: 1\nsteps:\n  - { id: a, uses: postgres.revoke, with: { connection: c, role: r, terminate_sessions: \"yes\" } }\n",
        "bad-duration.yaml": "playbook: x\nversion: 1\nsteps:\n  - { id: a, uses: log, timeout: soon, with: { message: m } }\n",
        "unknown-handler.yaml": "playbook: x\nversion: 1\nsteps:\n  - { id: a, uses: acme.frobnicate }\n",
        "bad-input-type.yaml": "playbook: x\nversion: 1\ninputs: { a: { type: text } }\nsteps: []\n",
        "both-waits.yaml": "playbook: x\nversion: 1\nsteps:\n  - { id: a, uses: wait, with: { for: 1h, until: \"2026-12-04T00:00:00Z\" } }\n",
    ]

    /// Writes each YAML file as JSON (through our composer) and returns the JSON paths.
    func convert(_ files: [String], into directory: String) throws -> [String] {
        try files.map { path in
            let bytes = try #require(FileManager.default.contents(atPath: path))
            let root = try #require(YAMLComposer.compose(Array(bytes), file: path).root)
            let target = "\(directory)/\(UUID().uuidString).json"
            try root.json.prettyText().write(toFile: target, atomically: true, encoding: .utf8)
            return target
        }
    }

    /// Runs jsonschema on each file; returns which were accepted.
    func schemaAccepts(_ jsonFiles: [String]) throws -> [Bool] {
        let script = """
            import json, sys
            from jsonschema import Draft202012Validator
            validator = Draft202012Validator(json.load(open(sys.argv[1])))
            for path in sys.argv[2:]:
                print("ok" if validator.is_valid(json.load(open(path))) else "invalid")
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, "\(CLI.repositoryRoot)/schema/playbook.schema.json"] + jsonFiles
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "python3 with jsonschema is needed (scripts/setup.sh installs it)")
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map { $0 == "ok" }
    }

    func temporaryDirectory() throws -> String {
        let directory = NSTemporaryDirectory() + "offboard-schema-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func shippedPlaybooksAndFragmentsPassTheSchemaAndTheLoader() throws {
        let workflows = "\(CLI.repositoryRoot)/Workflows"
        let files = PlaybookLocator.yamlFiles(under: workflows)
        #expect(files.count == 8)
        let accepted = try schemaAccepts(try convert(files, into: try temporaryDirectory()))
        #expect(accepted == Array(repeating: true, count: files.count), "\(zip(files, accepted).filter { !$0.1 }.map(\.0))")
        let loader = PlaybookLoader(catalog: BuiltInHandlers.registry(), root: URL(fileURLWithPath: workflows))
        for file in files where !loader.isStepFragment(path: file) {
            #expect(loader.load(path: file).diagnostics.isEmpty, "\(file)")
        }
    }

    @Test func shapeErrorsFailBoth() throws {
        let directory = try temporaryDirectory()
        let names = Self.invalid.keys.sorted()
        for name in names { try Self.invalid[name]!.write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8) }
        let paths = names.map { "\(directory)/\($0)" }
        let accepted = try schemaAccepts(try convert(paths, into: directory))
        #expect(accepted == Array(repeating: false, count: names.count), "\(zip(names, accepted).filter(\.1).map(\.0))")
        let loader = PlaybookLoader(catalog: BuiltInHandlers.registry())
        for path in paths {
            #expect(loader.load(path: path).playbook == nil, "\(path)")
        }
    }
}
