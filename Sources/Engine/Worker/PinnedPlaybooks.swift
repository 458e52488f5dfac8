import Foundation
import Playbook
import Synchronization

/// Pinned playbooks by hash, loaded once per process from the documents runs stored at start. A lock, not an actor:
/// every run's driver asks as it starts, and under a burst of runs a hop to an actor and back would queue each
/// behind all the others.
public final class PinnedPlaybooks: Sendable {
    private let loader: PlaybookLoader
    private let cache = Mutex<[String: Playbook]>([:])

    public init(catalog: any HandlerCatalog) { loader = PlaybookLoader(catalog: catalog) }

    /// The playbook a stored run executes, exactly as pinned.
    public func playbook(for run: StoredRun) throws -> Playbook {
        let hash = run.summary.playbookSHA256
        if let cached = cache.withLock({ $0[hash] }) { return cached }
        // Loaded outside the lock (two first uses of one document may both load it; they load the same playbook).
        let result = loader.loadPinned(run.document, label: "\(run.summary.playbookName)@\(hash.prefix(12))", sha256: hash)
        guard let playbook = result.playbook else { throw DiagnosticsError(result.diagnostics) }
        cache.withLock { $0[hash] = playbook }
        return playbook
    }
}
