import Engine
import Foundation
import Playbook

/// Checks runs' journals were not edited: each hash chain recomputed, the run row checked against the facts the
/// journal recorded when the run started, and, given heads exported earlier, runs rewritten or deleted since.
public struct ChainAudit: Sendable {
    public let store: any RunStore
    public let playbooks: PinnedPlaybooks

    public init(store: any RunStore, registry: HandlerRegistry) {
        self.store = store
        playbooks = PinnedPlaybooks(catalog: registry)
    }

    /// One run's result.
    public struct Finding: Codable, Sendable, Hashable {
        public var run: String
        public var intact: Bool
        public var entries: Int
        public var head: String?
        public var problem: String?
    }

    /// A run to check that is not in the store.
    public struct NoSuchRun: Error, Sendable {
        public var id: String
    }

    /// Checks `ids` (every run when nil); runs in `exported` that are gone are reported as deleted when checking every run.
    public func check(_ ids: [String]?, against exported: [String: ExportedHeads.Head] = [:]) async throws -> [Finding] {
        var checked = ids ?? []
        if ids == nil { checked = try await store.listRuns(state: nil, limit: Int.max).map(\.id) }
        var findings: [Finding] = []
        for id in checked {
            guard let chain = try await store.storedChain(id) else { throw NoSuchRun(id: id) }
            var finding: Finding
            switch JournalChain.verify(chain) {
            case .intact(let head, let entries): finding = Finding(run: id, intact: true, entries: entries, head: head)
            case .broken(_, let problem): finding = Finding(run: id, intact: false, entries: chain.records.count, problem: problem)
            }
            if finding.intact, let problems = try await rowDisagreements(id), !problems.isEmpty {
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
        if ids == nil {
            for id in exported.keys.sorted() where !checked.contains(id) {
                findings.append(Finding(run: id, intact: false, entries: 0, problem: "the run was deleted (it is in the exported heads)"))
            }
        }
        return findings
    }

    /// The run row checked against the facts its journal's first entry recorded (nil when it recorded none).
    private func rowDisagreements(_ id: String) async throws -> [String]? {
        guard let stored = try await store.loadRun(id) else { throw NoSuchRun(id: id) }
        do {
            return try RunCore.rowDisagreements(stored, playbook: try playbooks.playbook(for: stored))
        } catch {
            return ["the run cannot be replayed from its row and journal: \(error)"]
        }
    }
}

/// The heads file `verify --export-heads` writes: `{"RUN": {"head": "…", "entries": N}}`.
public enum ExportedHeads {
    /// One run's chain head and how many entries it covers.
    public struct Head: Codable, Sendable, Hashable {
        public var head: String
        public var entries: Int
    }

    /// A heads file that is not one.
    public struct Unreadable: Error, Sendable {
        public var path: String
        public var missing: Bool
    }

    public static func read(_ path: String) throws(Unreadable) -> [String: Head] {
        guard let data = FileManager.default.contents(atPath: path) else { throw Unreadable(path: path, missing: true) }
        do {
            return try JSONDecoder().decode([String: Head].self, from: data)
        } catch {
            throw Unreadable(path: path, missing: false)
        }
    }

    /// The heads of the intact findings, as the file holds them.
    public static func data(_ findings: [ChainAudit.Finding]) throws -> Data {
        var heads: [String: Head] = [:]
        for finding in findings where finding.intact { if let head = finding.head { heads[finding.run] = Head(head: head, entries: finding.entries) } }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(heads)
    }
}
