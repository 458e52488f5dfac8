import Foundation
import Playbook

/// Pinned playbooks by hash, loaded once per process from the documents runs stored at start.
public actor PinnedPlaybooks {
    private let loader: PlaybookLoader
    private var cache: [String: Playbook] = [:]

    public init(catalog: any HandlerCatalog) { loader = PlaybookLoader(catalog: catalog) }

    /// The playbook a stored run executes, exactly as pinned.
    public func playbook(for run: StoredRun) throws -> Playbook {
        let hash = run.summary.playbookSHA256
        if let cached = cache[hash] { return cached }
        let result = loader.loadPinned(run.document, label: "\(run.summary.playbookName)@\(hash.prefix(12))", sha256: hash)
        guard let playbook = result.playbook else { throw DiagnosticsError(result.diagnostics) }
        cache[hash] = playbook
        return playbook
    }
}
