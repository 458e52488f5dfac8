import Foundation
import OffboardRuntime
import Playbook

/// A run as the API lists it: its row, without replaying the journal.
struct RunResource: Encodable, Sendable {
    var id: String
    var state: String
    var playbook: String
    var playbookVersion: Int
    var playbookSHA256: String
    var createdAt: String
    var createdBy: String
    var updatedAt: String
    var wakeAt: String?

    init(_ summary: RunSummary) {
        id = summary.id
        state = summary.state.rawValue
        playbook = summary.playbookName
        playbookVersion = summary.playbookVersion
        playbookSHA256 = summary.playbookSHA256
        createdAt = DateText.iso8601(summary.createdAt, fractionalSeconds: true)
        createdBy = summary.createdBy
        updatedAt = DateText.iso8601(summary.updatedAt, fractionalSeconds: true)
        wakeAt = summary.wakeAt.flatMap { $0 >= .distantFuture ? nil : DateText.iso8601($0) }
    }

    enum CodingKeys: String, CodingKey {
        case id, state, playbook
        case playbookVersion = "playbook_version", playbookSHA256 = "playbook_sha256", createdAt = "created_at", createdBy = "created_by"
        case updatedAt = "updated_at", wakeAt = "wake_at"
    }
}

/// The answer to a request handed to a run.
struct RequestAnswer: Encodable, Sendable {
    var run: String
    var state: String
    /// True when the worker holding the run has not applied it yet (it does when it next looks).
    var pending: Bool
}

/// A list of items, as every listing route answers.
struct Listing<Item: Encodable & Sendable>: Encodable, Sendable {
    var items: [Item]
}
