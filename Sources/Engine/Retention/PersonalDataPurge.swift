import Foundation
import Logging
import Playbook

/// Deletes the personal inputs of finished runs older than a retention period. The journal
/// (which holds only tokens for them), its hash chain and the timeline stay as they were.
public struct PersonalDataPurge: Sendable {
    let store: any RunStore
    let playbooks: PinnedPlaybooks

    public init(store: any RunStore, catalog: HandlerRegistry) {
        self.store = store
        playbooks = PinnedPlaybooks(catalog: catalog)
    }

    /// One run purged (or that would be, in a dry run).
    public struct Purged: Sendable, Codable, Hashable {
        public var run: String
        public var finishedAt: Date
        public var fields: [String]

        enum CodingKeys: String, CodingKey { case run, fields, finishedAt = "finished_at" }
    }

    /// Purges every finished run last changed before `cutoff`; with `dryRun`, only says which.
    public func purge(finishedBefore cutoff: Date, at now: Date, dryRun: Bool) async throws -> [Purged] {
        // A dry run lists everything in one batch; a real one works in batches of 100, and a purged
        // run is no longer selected (purgePersonalData throws rather than leave one unmarked).
        let limit = dryRun ? Int(Int32.max) : 100
        var purged: [Purged] = []
        while true {
            let batch = try await store.runsToPurge(finishedBefore: cutoff, limit: limit)
            for summary in batch {
                guard let stored = try await store.loadRun(summary.id) else { continue }
                let playbook = try playbooks.playbook(for: stored)
                let personal = Set(playbook.inputs.filter(\.personal).map(\.name))
                var kept = stored.inputs
                if case .object(let fields) = stored.inputs { kept = .object(fields.filter { !personal.contains($0.key) }) }
                if !dryRun { try await store.purgePersonalData(summary.id, keeping: kept, at: now) }
                purged.append(Purged(run: summary.id, finishedAt: summary.updatedAt, fields: personal.sorted()))
            }
            if dryRun || batch.count < limit { return purged }
        }
    }
}
