import Foundation
import Synchronization
import Playbook

/// A run to create: the pinned, resolved playbook and the leaver's bound inputs.
public struct NewRun: Sendable {
    public var id: String
    /// The caller's idempotency key: starting again with the same key returns the first run.
    public var startKey: String?
    public var playbookName: String
    public var playbookVersion: Int
    public var playbookSHA256: String
    /// The canonical resolved playbook document (what the run will execute, whatever happens to the YAML).
    public var document: Data
    /// Bound inputs as a JSON object.
    public var inputs: JSONValue
    public var timeZone: String
    public var createdBy: String
    public var createdAt: Date
    /// Made leased to this worker until this time (a run handed to the worker's loop in the same process); nil:
    /// unleased, for any worker to claim.
    public var lease: (worker: String, until: Date)?
    /// The HR system's leaver the run is started for (an HR hook's run): recorded as theirs in the same write as the
    /// run, or (the run existing already) the one that exists, so the next event about them finds it.
    public var leaver: HookLeaver?

    public init(id: String, startKey: String?, playbook: Playbook, inputs: JSONValue, timeZone: String, createdBy: String, createdAt: Date) {
        self.id = id
        self.startKey = startKey
        playbookName = playbook.name
        playbookVersion = playbook.version
        playbookSHA256 = playbook.sha256
        document = PlaybookDocuments.shared.document(of: playbook)
        self.inputs = inputs
        self.timeZone = timeZone
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

extension JSONValue {
    /// Whether a `.number` (a non-integer JSON number) is anywhere in this value.
    var containsNumber: Bool {
        switch self {
        case .number: true
        case .null, .bool, .int, .string: false
        case .array(let items): items.contains { $0.containsNumber }
        case .object(let fields): fields.values.contains { $0.containsNumber }
        }
    }
}

/// Canonical playbook documents by hash, the last few made: every HR trigger pins its playbook, and writing the
/// same document out again for each was a share of a burst's time.
final class PlaybookDocuments: Sendable {
    static let shared = PlaybookDocuments()
    private let documents = Mutex<[String: Data]>([:])

    func document(of playbook: Playbook) -> Data {
        if let kept = documents.withLock({ $0[playbook.sha256] }) { return kept }
        let document = playbook.canonicalJSON.canonicalData()
        documents.withLock { documents in
            if documents.count >= 32 { documents.removeAll() }
            documents[playbook.sha256] = document
        }
        return document
    }
}

/// An employee of an HR system, and the effective date of their leaving that an event gave.
public struct HookLeaver: Sendable, Hashable {
    public var source: String
    public var employee: String
    public var effective: String
    /// Make the run only when no run is recorded for this employee yet; else `createRun` throws `HookLeaverKnown`
    /// and makes nothing (the usual event, about someone leaving for the first time, then needs no read first).
    public var onlyIfUnknown: Bool

    public init(source: String, employee: String, effective: String, onlyIfUnknown: Bool = false) {
        self.source = source
        self.employee = employee
        self.effective = effective
        self.onlyIfUnknown = onlyIfUnknown
    }
}

/// A run is recorded for the employee already (`HookLeaver.onlyIfUnknown`): nothing was made.
public struct HookLeaverKnown: Error, Sendable {
    public init() {}
}

/// A run's row: what lists and status show without replaying the journal.
public struct RunSummary: Sendable, Hashable, Codable {
    public var id: String
    public var playbookName: String
    public var playbookVersion: Int
    public var playbookSHA256: String
    public var state: RunState
    public var startKey: String?
    public var createdBy: String
    public var createdAt: Date
    public var updatedAt: Date
    /// When a worker should next look at the run; nil once it is finished.
    public var wakeAt: Date?
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    /// Counts the claims of the run: each new holder gets a higher number, the fencing token handlers pass on.
    public var leaseGeneration: Int64 = 0
    public var journalLength: Int
    /// When the leaver's personal inputs were deleted (`offboard purge`), if they were.
    public var purgedAt: Date?
    /// The earliest deadline of a step still open and not yet recorded as missed.
    public var nextDeadline: Date?
    /// When a step's deadline was first recorded as missed.
    public var deadlineMissedAt: Date?

    /// True when a step missed its deadline, or one still open has a deadline at or before `now` (see `RunQuery`).
    public func isOverdue(at now: Date) -> Bool {
        deadlineMissedAt != nil || (nextDeadline.map { $0 <= now } ?? false)
    }

    public init(id: String, playbookName: String, playbookVersion: Int, playbookSHA256: String, state: RunState, startKey: String?,
                createdBy: String, createdAt: Date, updatedAt: Date, wakeAt: Date?, leaseOwner: String?, leaseExpiresAt: Date?, journalLength: Int,
                purgedAt: Date? = nil, leaseGeneration: Int64 = 0, nextDeadline: Date? = nil, deadlineMissedAt: Date? = nil) {
        self.nextDeadline = nextDeadline
        self.deadlineMissedAt = deadlineMissedAt
        self.leaseGeneration = leaseGeneration
        self.purgedAt = purgedAt
        self.id = id
        self.playbookName = playbookName
        self.playbookVersion = playbookVersion
        self.playbookSHA256 = playbookSHA256
        self.state = state
        self.startKey = startKey
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.wakeAt = wakeAt
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.journalLength = journalLength
    }
}

/// Everything stored about a run: enough to rebuild it by replay.
public struct StoredRun: Sendable {
    public var summary: RunSummary
    public var document: Data
    public var inputs: JSONValue
    public var timeZone: String
    public var journal: [JournalEntry]

    public init(summary: RunSummary, document: Data, inputs: JSONValue, timeZone: String, journal: [JournalEntry]) {
        self.summary = summary
        self.document = document
        self.inputs = inputs
        self.timeZone = timeZone
        self.journal = journal
    }
}

extension StoredRun {
    /// What `loadRun` gives back for a run just made from `run`, before anything else happened to it: a run handed to
    /// this process's worker is driven from this, not read back (under a burst of HR triggers that read, the journal's
    /// decoding and the playbook document's copy were a twelfth of the busy threads' time). Times as the store keeps
    /// them (whole milliseconds), the inputs through the same JSON round trip, the lease (if made with one) claimed
    /// once. `StoredRunTests` holds every store to it.
    public init(justCreated run: NewRun) {
        func stored(_ date: Date) -> Date { RunCore.milliseconds(date) }
        // Only a fractional number can come back as something else (2.0 as the integer 2): without one, the round
        // trip is the identity, and it is skipped (it was a share of each trigger's time).
        let inputs = run.inputs.containsNumber ? (try? JSONDecoder().decode(JSONValue.self, from: run.inputs.canonicalData())) ?? run.inputs : run.inputs
        self.init(summary: RunSummary(id: run.id, playbookName: run.playbookName, playbookVersion: run.playbookVersion, playbookSHA256: run.playbookSHA256,
                                      state: .pending, startKey: run.startKey, createdBy: run.createdBy, createdAt: stored(run.createdAt),
                                      updatedAt: stored(run.createdAt), wakeAt: stored(run.createdAt), leaseOwner: run.lease?.worker,
                                      leaseExpiresAt: run.lease.map { stored($0.until) }, journalLength: 0, leaseGeneration: run.lease == nil ? 0 : 1),
                  document: run.document, inputs: inputs, timeZone: run.timeZone, journal: [])
    }
}

/// New journal entries for one run, written only while `worker` holds the run's lease.
public struct JournalAppend: Sendable {
    public var runID: String
    public var worker: String
    /// Entries in order; the first one's sequence must follow the stored journal's last.
    public var entries: [JournalEntry]
    public var state: RunState
    public var wakeAt: Date?
    /// The earliest deadline of a step still open and not yet missed (`RunCore.nextDeadline`), kept on the run's row
    /// so a list can find overdue runs without replaying them.
    public var nextDeadline: Date?
    /// Extends the lease while appending.
    public var leaseUntil: Date
    /// When the append is made: it is refused unless the lease is still the worker's and unexpired then.
    public var at: Date
    /// Requests these entries answer (or refuse), marked handled in the same transaction.
    public var handledRequests: [HandledRequest]
    /// Gives the lease back in the same transaction (the run finished or is parked).
    public var releaseLease: Bool

    public init(runID: String, worker: String, entries: [JournalEntry], state: RunState, wakeAt: Date?, nextDeadline: Date? = nil, leaseUntil: Date,
                handledRequests: [HandledRequest] = [], releaseLease: Bool = false, at: Date = Date()) {
        self.at = at
        self.nextDeadline = nextDeadline
        self.runID = runID
        self.worker = worker
        self.entries = entries
        self.state = state
        self.wakeAt = wakeAt
        self.leaseUntil = leaseUntil
        self.handledRequests = handledRequests
        self.releaseLease = releaseLease
    }
}

/// Whether an append was written.
public enum AppendOutcome: Sendable, Hashable {
    case appended
    /// Another worker holds the run now (this one's lease expired); nothing was written.
    case leaseLost(owner: String?)
}

/// A request from outside the worker that holds a run: a person cancelling or redriving it,
/// completing, approving or rejecting a task, or moving the leave time.
public struct RunRequest: Sendable, Hashable {
    /// What is asked.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case cancel, redrive, complete, approve, reject, reschedule, reverse
    }

    public var id: Int64
    public var runID: String
    public var kind: Kind
    public var step: String?
    /// The fan-out item of `step`, for a task of a `for_each` step.
    public var item: String?
    public var reason: String?
    /// Evidence (`complete`) or new input values (`reschedule`), as text.
    public var fields: [String: String]
    public var requestedBy: String
    public var requestedAt: Date
    /// For `reschedule`: the person confirmed a time already in the past (it acts at once).
    public var allowPast: Bool

    public init(id: Int64 = 0, runID: String, kind: Kind, step: String? = nil, item: String? = nil, reason: String? = nil,
                fields: [String: String] = [:], requestedBy: String, requestedAt: Date, allowPast: Bool = false) {
        self.id = id
        self.runID = runID
        self.kind = kind
        self.step = step
        self.item = item
        self.reason = reason
        self.fields = fields
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
        self.allowPast = allowPast
    }
}

/// A request a worker has dealt with: applied (journaled with the entries), or refused and why.
public struct HandledRequest: Sendable, Hashable {
    public var id: Int64
    /// Why it was refused, as the driver judged it; nil when the request was applied.
    public var refusal: RequestRefused?

    public init(id: Int64, refusal: RequestRefused? = nil) {
        self.id = id
        self.refusal = refusal
    }
}

/// What the store says became of a recorded request.
public enum RequestStatus: Sendable, Hashable {
    case pending
    case applied
    /// Refused where it was applied, with the judgement as it was made (problems, remedy, whether a value was wrong).
    case refused(RequestRefused)
}

/// Where runs and their journals live. The engine only talks to this protocol.
///
/// It is shaped for many workers on many machines: work is claimed as row leases with an expiry
/// (a killed worker's runs are taken over once its lease lapses), every append is fenced by the
/// lease (a worker that lost its lease cannot write), and appends for many runs go in one
/// transaction (group commit). A PostgreSQL store implements `claimDueRuns` with
/// `SELECT … FOR UPDATE SKIP LOCKED` and the same columns; the engine does not change.
public protocol RunStore: Sendable {
    /// Creates a run, or returns the existing one when `startKey` was used before (even under a race). A run just
    /// made loads back as `StoredRun(justCreated:)` of it. With `run.leaver`, the run made or found is recorded as
    /// that employee's in the same transaction (`ServiceStore.hookLeaver`); with `onlyIfUnknown`, when a run is
    /// recorded for them already, nothing is made or recorded and `HookLeaverKnown` is thrown.
    func createRun(_ run: NewRun) async throws -> (id: String, created: Bool)

    /// Leases up to `limit` runs whose wake time has come and whose lease is free or expired.
    func claimDueRuns(worker: String, now: Date, leaseUntil: Date, limit: Int) async throws -> [String]

    /// Leases one run if it is not finished and its lease is free or expired (or already ours).
    func claimRun(_ id: String, worker: String, now: Date, leaseUntil: Date) async throws -> Bool

    /// Extends the leases `worker` still holds; returns the ids it holds.
    func renewLeases(_ ids: [String], worker: String, until: Date) async throws -> Set<String>

    /// Gives a run's lease back; with `deferUntil`, no worker takes it again before then (a run
    /// that could not be driven).
    func release(_ id: String, worker: String, deferUntil: Date?) async throws

    /// Appends journal entries for several runs in one durable transaction.
    func append(_ batch: [JournalAppend]) async throws -> [AppendOutcome]

    func loadRun(_ id: String) async throws -> StoredRun?

    func summary(of id: String) async throws -> RunSummary?

    /// Runs, newest first, that match the query, answered from the runs' rows (no journal is replayed).
    func runs(matching query: RunQuery) async throws -> [RunSummary]

    /// How many runs are in each state (states with none are left out).
    func runCounts() async throws -> [RunState: Int]

    /// Records a request for the run, makes the run due now, and returns the request's id.
    @discardableResult
    func addRequest(_ request: RunRequest) async throws -> Int64

    /// Whether a request was applied, refused, or is still waiting for a worker.
    func outcome(ofRequest id: Int64) async throws -> RequestStatus

    /// Requests not yet handled, oldest first.
    func pendingRequests(runID: String) async throws -> [RunRequest]

    /// The earliest wake time of a run nobody holds (for a worker deciding how long to sleep).
    func nextWake() async throws -> Date?

    /// The run's journal exactly as stored, with its hashes, for `JournalChain.verify`.
    func storedChain(_ runID: String) async throws -> StoredChain?

    /// Finished runs last changed before `cutoff` whose personal data is still kept, oldest first.
    func runsToPurge(finishedBefore cutoff: Date, limit: Int) async throws -> [RunSummary]

    /// Replaces a finished run's inputs with `inputs` (its personal fields removed), clears the free
    /// text of its handled requests, and records when. The journal is not touched.
    func purgePersonalData(_ runID: String, keeping inputs: JSONValue, at: Date) async throws

    /// Due runs whose lease another worker holds and has not let expire: who holds each, and until when.
    func heldDueRuns(now: Date) async throws -> [HeldRun]

    /// Breaks `owner`'s lease on a run (its process is known to be gone); false when another holds it now.
    func breakLease(_ id: String, owner: String) async throws -> Bool

    /// Records a process an attempt started, while it runs.
    func recordAttemptProcess(_ process: AttemptProcess) async throws

    func removeAttemptProcess(runID: String, pid: Int32) async throws

    /// The processes recorded for a run's attempts (left by a worker that was killed or lost its lease).
    func attemptProcesses(runID: String) async throws -> [AttemptProcess]

    /// Signals that a run became due (a start, a request), for idle workers to look at once instead of at their
    /// next poll; nil when the store cannot signal (workers then poll).
    func wakeUps() -> AsyncStream<Void>?
}

/// A run another worker holds.
public struct HeldRun: Sendable, Hashable {
    public var id: String
    public var owner: String
    public var expiresAt: Date

    public init(id: String, owner: String, expiresAt: Date) {
        self.id = id
        self.owner = owner
        self.expiresAt = expiresAt
    }
}

extension RunStore {
    /// Runs, newest first, optionally only those in `state`.
    public func listRuns(state: RunState?, limit: Int) async throws -> [RunSummary] {
        try await runs(matching: RunQuery(state: state, limit: limit))
    }
}
