import ArgumentParser
import Engine
import Foundation
import SQLiteStore

extension Offboard {
    /// `offboard verify`: recomputes runs' journal hash chains.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that runs' journals were not edited: altered, deleted or reordered entries.",
            discussion: """
                Every journal entry carries SHA-256 over the previous entry's hash and its own content, so \
                changing, deleting or reordering an entry breaks the chain from there on. verify recomputes \
                it and names the first entry that is wrong. The run row (state, who started it and when, the \
                playbook and its hash, the leaver's inputs) is checked against the facts the chained journal \
                recorded when the run started, and the state it replays to.

                The chain heads can be exported and checked later (keep the file somewhere the database's \
                administrators cannot write): that also catches a run deleted whole, or a journal rewritten \
                with fresh hashes. A run that went on after the export still matches, as long as the entries \
                the export covered are unchanged.

                Examples:
                  offboard verify r-20261123-1f3a9c0e4b2d
                  offboard verify --all
                  offboard verify --all --export-heads /mnt/audit/heads-2026-11-23.json
                  offboard verify --all --heads /mnt/audit/heads-2026-11-23.json

                Exit codes: 0 every chain intact; 1 a chain is broken or a run in --heads is missing or \
                differs; 66 no such run; 69 the run database cannot be opened.
                """
        )

        @Argument(help: "Run ids to check.")
        var runs: [String] = []

        @Flag(help: "Check every run in the database.")
        var all = false

        @Option(help: ArgumentHelp("Write every checked run's head hash and entry count to this JSON file.", valueName: "file"))
        var exportHeads: String?

        @Option(help: ArgumentHelp("Compare with heads exported earlier: runs missing or changed since are reported.", valueName: "file"))
        var heads: String?

        @Option(help: "Output format.")
        var format: OutputFormat = .text

        @OptionGroup var store: StoreOptions

        func validate() throws {
            if runs.isEmpty && !all { throw ValidationError("name runs to check, or give --all") }
        }

        /// One run's result.
        struct Finding: Encodable {
            var run: String
            var intact: Bool
            var entries: Int
            var head: String?
            var problem: String?
        }

        func run() async throws {
            let database = try store.openReadOnly()
            var ids = runs
            if all { ids = try await database.listRuns(state: nil, limit: Int.max).map(\.id) }
            let exported = try heads.map(ExportedHeads.read) ?? [:]
            var findings: [Finding] = []
            for id in ids {
                guard let chain = try await database.storedChain(id) else {
                    Output.error("error: no run \(id) in \(store.databasePath)")
                    throw ExitCodes.notFound
                }
                var finding: Finding
                switch JournalChain.verify(chain) {
                case .intact(let head, let entries): finding = Finding(run: id, intact: true, entries: entries, head: head)
                case .broken(_, let problem): finding = Finding(run: id, intact: false, entries: chain.records.count, problem: problem)
                }
                if finding.intact, let problems = try await rowDisagreements(id, in: database), !problems.isEmpty {
                    finding.intact = false
                    finding.problem = problems.joined(separator: "; ")
                }
                if finding.intact, let earlier = exported[id] {
                    let covered = earlier.entries
                    if covered < 1 || chain.records.count < covered || chain.records[covered - 1].hash != earlier.head {
                        finding.intact = false
                        finding.problem = "its first \(covered) entries differ from the heads exported earlier (the journal was rewritten)"
                    }
                }
                findings.append(finding)
            }
            if all {
                for id in exported.keys.sorted() where !ids.contains(id) {
                    findings.append(Finding(run: id, intact: false, entries: 0, problem: "the run was deleted (it is in \(heads ?? ""))"))
                }
            }
            if let exportHeads {
                try ExportedHeads.write(findings.filter(\.intact), to: exportHeads)
            }
            switch format {
            case .json: Output.json(findings)
            case .text:
                for finding in findings {
                    Output.text(finding.intact ? "\(finding.run): intact, \(finding.entries) entries, head \(finding.head ?? "")"
                                         : "\(finding.run): BROKEN: \(finding.problem ?? "")")
                }
            }
            if findings.contains(where: { !$0.intact }) { throw ExitCodes.invalid }
        }

    /// The run row checked against the facts its journal's first entry recorded (nil when it recorded none).
    private func rowDisagreements(_ id: String, in database: SQLiteRunStore) async throws -> [String]? {
        let stored = try await store.loadRun(id, from: database)
        do {
            let playbook = try await PinnedPlaybooks(catalog: try HandlerSetup.registry()).playbook(for: stored)
            return try RunCore.rowDisagreements(stored, playbook: playbook)
        } catch {
            return ["the run cannot be replayed from its row and journal: \(error)"]
        }
    }
    }
}

/// The heads file: `{"RUN": {"head": "…", "entries": N}}`.
enum ExportedHeads {
    struct Head: Codable {
        var head: String
        var entries: Int
    }

    static func read(_ path: String) throws -> [String: Head] {
        guard let data = FileManager.default.contents(atPath: path) else {
            Output.error("error: cannot read \(path)")
            throw ExitCodes.notFound
        }
        do {
            return try JSONDecoder().decode([String: Head].self, from: data)
        } catch {
            Output.error("error: \(path) is not a heads file written by offboard verify --export-heads")
            throw ExitCodes.badInput
        }
    }

    static func write(_ findings: [Offboard.Verify.Finding], to path: String) throws {
        var heads: [String: Head] = [:]
        for finding in findings { if let head = finding.head { heads[finding.run] = Head(head: head, entries: finding.entries) } }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(heads).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
