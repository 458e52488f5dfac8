import Foundation

/// An API token as stored: its name, its role, who made it when, and who revoked it when. The token itself is
/// never stored, only its SHA-256, so the database cannot give it away.
public struct APIToken: Sendable, Hashable, Codable {
    public var name: String
    public var role: String
    public var createdBy: String
    public var createdAt: Date
    public var revokedAt: Date?
    /// The actor who revoked it (an admin token's name, or `token revoke --by`, default $USER); nil for one revoked
    /// before this was kept.
    public var revokedBy: String?

    public init(name: String, role: String, createdBy: String, createdAt: Date, revokedAt: Date? = nil, revokedBy: String? = nil) {
        self.name = name
        self.role = role
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.revokedBy = revokedBy
    }

    enum CodingKeys: String, CodingKey {
        case name, role
        case createdBy = "created_by", createdAt = "created_at", revokedAt = "revoked_at", revokedBy = "revoked_by"
    }
}

/// Where the server's API tokens live (hashes only).
public protocol APITokenStore: Sendable {
    /// Records a token; false when a token of that name exists (revoked ones included: names are never reused).
    func createToken(_ token: APIToken, sha256: String) async throws -> Bool
    /// The unrevoked token whose SHA-256 this is.
    func token(sha256: String) async throws -> APIToken?
    /// Every token, revoked ones included, oldest first.
    func listTokens() async throws -> [APIToken]
    /// Revokes the named token, recording who did; false when there is no such unrevoked token.
    func revokeToken(named name: String, at: Date, by actor: String) async throws -> Bool
}

/// An HR system's event as received, recorded before it is answered.
public struct HookEvent: Sendable, Hashable {
    public var source: String
    /// The vendor's delivery id (a retry of one delivery carries the same one); nil when the scheme has none.
    public var deliveryID: String?
    public var receivedAt: Date
    /// The raw body, exactly as signed.
    public var body: Data

    public init(source: String, deliveryID: String?, receivedAt: Date, body: Data) {
        self.source = source
        self.deliveryID = deliveryID
        self.receivedAt = receivedAt
        self.body = body
    }
}

/// Where an HR event stands.
public struct HookEventStatus: Sendable, Hashable {
    public var id: Int64
    public var source: String
    public var receivedAt: Date
    /// What became of it, in a sentence; nil while it waits to be acted on.
    public var outcome: String?
    /// The run it started or acted on.
    public var runID: String?

    public init(id: Int64, source: String, receivedAt: Date, outcome: String?, runID: String?) {
        self.id = id
        self.source = source
        self.receivedAt = receivedAt
        self.outcome = outcome
        self.runID = runID
    }
}

/// Where HR events are recorded durably, and which run each leaver's events went to.
/// An event recorded already claimed by the dispatcher of the server that received it, which acts on it at once
/// (no claim of its own). `recorded` is called with the event's id once it is durable, in the order the events were
/// recorded, before the recording returns.
public struct HookClaim: Sendable {
    public var owner: String
    public var until: Date
    public var recorded: @Sendable (Int64, HookEvent) -> Void

    public init(owner: String, until: Date, recorded: @escaping @Sendable (Int64, HookEvent) -> Void) {
        self.owner = owner
        self.until = until
        self.recorded = recorded
    }
}

public protocol HookEventStore: Sendable {
    /// Records an event (with `claim`, claimed already); nil when a delivery with this id from this source was
    /// recorded before (a replay).
    func recordHookEvent(_ event: HookEvent, claim: HookClaim?) async throws -> Int64?
    /// Who holds claims on events not yet acted on (their claims running past `now`).
    func hookEventClaimants(now: Date) async throws -> [String]
    /// Ends the claims of `owner` on events not yet acted on (a process on this machine that is gone): they are
    /// due at once. Returns how many.
    func releaseHookEventClaims(of owner: String) async throws -> Int
    /// Claims events not yet acted on (and not claimed by anyone until after `now`), oldest first, for `owner` until
    /// `until`: two servers on one database never act on one event at once, and a claim whose owner died lapses.
    func claimHookEvents(owner: String, now: Date, until: Date, limit: Int) async throws -> [(id: Int64, event: HookEvent)]
    /// Marks an event acted on, with what became of it (a sentence, never the payload), and forgets its body: the
    /// run holds what it needs, and the HR system's payload (names, emails) is not kept beyond its use.
    func finishHookEvent(_ id: Int64, outcome: String, runID: String?, at: Date) async throws
    /// Leaves an event to be tried again from `retryAt` (something failed that may not fail next time).
    func retryHookEvent(_ id: Int64, at retryAt: Date) async throws
    /// An event's source, when it came, and what became of it (nil outcome while it waits); nil for no such event.
    func hookEventStatus(_ id: Int64) async throws -> HookEventStatus?
    /// Where the event recorded with this delivery id from this source stands (what a replay of it is refused for).
    func hookEventStatus(source: String, deliveryID: String) async throws -> HookEventStatus?
    /// The run started for a leaver from a source (the newest), and the effective date it was started for.
    func hookLeaver(source: String, employee: String) async throws -> (runID: String, effective: String)?
    /// Remembers (or moves) the run and effective date for a leaver from a source.
    func setHookLeaver(source: String, employee: String, runID: String, effective: String) async throws
}

extension HookEventStore {
    /// Records an event unclaimed: whichever dispatcher looks next acts on it.
    public func recordHookEvent(_ event: HookEvent) async throws -> Int64? { try await recordHookEvent(event, claim: nil) }
}

/// A person signed in to the web console: who they are, what they may do, and until when. The session's secret
/// (the cookie) is never stored, only its SHA-256.
public struct ConsoleSession: Sendable, Hashable {
    /// The name changes are journaled with: the identity provider's name for the person, or the API token's name.
    public var person: String
    /// Who signed in, as the sign-in proved it: `token:NAME`, or `oidc:ISSUER|SUBJECT`.
    public var subject: String
    /// The roles, as `token create --role` writes them (`hr`, `task:it`, …).
    public var roles: [String]
    /// The token the person signed in with; the session ends when that token is revoked.
    public var tokenName: String?
    /// The secret every form of this session carries (cross-site request forgery protection).
    public var formToken: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(person: String, subject: String, roles: [String], tokenName: String?, formToken: String, createdAt: Date, expiresAt: Date) {
        self.person = person
        self.subject = subject
        self.roles = roles
        self.tokenName = tokenName
        self.formToken = formToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// Where console sessions live (hashes of their secrets only), so they survive a restart and are shared by every
/// server on one database.
public protocol ConsoleSessionStore: Sendable {
    func createSession(_ session: ConsoleSession, sha256: String) async throws
    /// The session whose secret has this SHA-256, unless it expired by `now` (or its token was revoked).
    func session(sha256: String, now: Date) async throws -> ConsoleSession?
    /// Ends a session (sign-out).
    func endSession(sha256: String) async throws
    /// Forgets sessions that expired before `before`; returns how many.
    func purgeSessions(before: Date) async throws -> Int
}
