import Crypto
import Foundation
import Playbook

/// One journal entry as stored: what its hash covers, and the hash.
public struct JournalRecord: Sendable, Hashable {
    public var sequence: Int
    /// Milliseconds since 1970.
    public var atMillis: Int64
    /// The event's canonical JSON bytes, exactly as stored.
    public var event: Data
    /// SHA-256 (hex) of the previous entry's hash and this entry.
    public var hash: String

    public init(sequence: Int, atMillis: Int64, event: Data, hash: String) {
        self.sequence = sequence
        self.atMillis = atMillis
        self.event = event
        self.hash = hash
    }
}

/// A run's stored journal with what the run row says about it.
public struct StoredChain: Sendable {
    public var runID: String
    public var records: [JournalRecord]
    /// The run row's journal length and head hash.
    public var length: Int
    public var head: String?

    public init(runID: String, records: [JournalRecord], length: Int, head: String?) {
        self.runID = runID
        self.records = records
        self.length = length
        self.head = head
    }
}

/// The journal's tamper-evidence: every entry's hash is SHA-256 over the previous entry's hash, the
/// run id, the entry's time and its canonical event bytes, so changing, deleting or reordering an
/// entry breaks every hash after it. The position is bound by the chain itself, which is what lets
/// `verify` tell a reordered entry from an altered one.
public enum JournalChain {
    /// The "previous hash" of a run's first entry.
    public static let genesis = String(repeating: "0", count: 64)

    public static func hash(previous: String, runID: String, atMillis: Int64, event: Data) -> String {
        var hasher = SHA256()
        hasher.update(data: Data("offboard-journal-v1\n\(previous)\n\(runID)\n\(atMillis)\n".utf8))
        hasher.update(data: event)
        // Not String(format:) per byte: this runs inside the writer's transaction.
        return hasher.finalize().lowercaseHex
    }

    /// What `verify` found.
    public enum Verdict: Sendable, Hashable {
        case intact(head: String, entries: Int)
        /// The first problem, naming the entry.
        case broken(sequence: Int, problem: String)
    }

    /// Recomputes the chain and names the first entry that was altered, deleted or reordered.
    public static func verify(_ chain: StoredChain) -> Verdict {
        var previous = genesis
        for (index, record) in chain.records.enumerated() {
            let position = index + 1
            if record.sequence > position {
                return .broken(sequence: position, problem: "entry \(position) was deleted (the journal jumps from \(position - 1) to \(record.sequence))")
            }
            let expected = hash(previous: previous, runID: chain.runID, atMillis: record.atMillis, event: record.event)
            if record.hash != expected {
                let predecessors = [genesis] + chain.records.map(\.hash)
                if predecessors.contains(where: { hash(previous: $0, runID: chain.runID, atMillis: record.atMillis, event: record.event) == record.hash }) {
                    return .broken(sequence: position, problem: "entry \(position) is out of order (its hash chains from a different entry)")
                }
                return .broken(sequence: position, problem: "entry \(position) was altered (its content no longer matches its hash)")
            }
            previous = record.hash
        }
        if chain.length > chain.records.count {
            return .broken(sequence: chain.records.count + 1,
                           problem: "entries \(chain.records.count + 1)–\(chain.length) were deleted (the run recorded \(chain.length))")
        }
        if let head = chain.head, head != previous {
            return .broken(sequence: chain.records.count, problem: "the run's recorded head hash does not match its last entry")
        }
        return .intact(head: previous, entries: chain.records.count)
    }
}
