import Engine
import Foundation
import Playbook

/// Which of a leaver's groups an identity provider's step takes them out of (`groups:`): all, none, or those listed by
/// id, compared without regard to case (the providers' ids are GUIDs or opaque ids).
enum GroupScope: Sendable, Hashable {
    case all
    case listed([String])

    init(_ value: Value?) throws(HandlerFailure) {
        switch value {
        case nil: self = .all
        case .string(let text)? where text == "all": self = .all
        case .string(let text)? where text == "none": self = .listed([])
        case .list(let items)?:
            let ids = items.compactMap(\.displayText)
            guard ids.count == items.count else { throw HandlerFailure("groups must be all, none, or a list of group ids", retryable: false) }
            self = .listed(ids)
        default: throw HandlerFailure("groups must be all, none, or a list of group ids", retryable: false)
        }
    }

    /// How the groups looked at are described in the evidence: "of every group", "of the 2 listed", or that none were.
    var lookedAt: String {
        switch self {
        case .all: "of all its groups"
        case .listed(let ids): ids.isEmpty ? "groups not checked (groups is none)" : "of the \(ids.count) listed"
        }
    }

    func contains(_ id: String) -> Bool {
        if case .listed(let ids) = self { return ids.contains { $0.caseInsensitiveCompare(id) == .orderedSame } }
        return true
    }
}
