import Crypto
import Foundation
import Hummingbird
import Logging
import OffboardRuntime
import Playbook

/// The HR webhooks: a delivery is verified by its source's scheme, recorded durably, answered 202 at once (well
/// within Personio's 3 s), and acted on afterwards by the hook service.
extension ServerRuntime {
    /// The largest delivery accepted.
    static let hookBodyLimit = 1 << 20

    func hookRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let source = try context.parameter("source")
        guard let mapping = hooks[source] else { throw Problem.notFound("no hook named \(SafeText.terminal(source))") }
        let body = Array(try await request.collectBody(upTo: Self.hookBodyLimit, within: ClientLimits.bodyTime).readableBytesView)
        guard let secret = secrets.value(of: mapping.secretName), !secret.isEmpty else {
            logger.error("hook \(source): the secret \(mapping.secretName) is not set; deliveries are refused until it is")
            throw Problem(.serviceUnavailable, "hook-unconfigured", "This hook cannot verify deliveries yet", detail: "its secret is not set on the server")
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let verified: HookVerifier.Verified
        do {
            verified = try HookVerifier(scheme: mapping.scheme, secret: secret, maxAge: TimeInterval(mapping.maxAge.seconds))
                .verify(body: body, headers: headers, now: clock.now())
        } catch {
            metrics?.hookRefused(source: source)
            logger.warning("hook \(source): refused a delivery of \(body.count) bytes: \(error.reason)")
            var problem = Problem(.unauthorized, "signature", "The delivery's signature does not verify", detail: error.reason)
            if mapping.scheme == .bearer { problem.headers[.wwwAuthenticate] = #"Bearer realm="offboard-hooks""# }
            throw problem
        }
        // A body the mapping cannot read is refused before it is recorded, so the vendor's delivery log shows it failed
        // (recorded, it could only be ignored): a JSON object, or with `each:` also a list (`each: event`).
        let event = try? JSONDecoder().decode(JSONValue.self, from: Data(body))
        switch event {
        case .object?: break
        case .array? where mapping.each != nil: break
        default:
            let wanted = mapping.each == nil ? "a JSON object" : "a JSON object or list"
            logger.warning("hook \(source): refused a verified delivery of \(body.count) bytes that is not \(wanted)")
            throw Problem.badRequest("the delivery's body must be \(wanted)")
        }
        let deliveryID = verified.deliveryID ?? deliveryID(mapping, body: body, event: event)
        let received = clock.now()
        guard let id = try await store.recordHookEvent(HookEvent(source: source, deliveryID: deliveryID, receivedAt: received, body: Data(body)),
                                                       claim: hookService.claim(now: received)) else {
            logger.notice("hook \(source): refused a replayed delivery")
            throw try await replayed(source: source, deliveryID: deliveryID)
        }
        return APIJSON.response(canonical: HookReceipt(event: id, source: source, status: "recorded").json, status: .accepted,
                                headers: [.location: "/v1/hooks/\(source)/events/\(id)"])
    }

    /// The answer to a delivery whose id was recorded before: 409, naming the first event (its Location) and the run
    /// it started or found once it has been acted on, so a vendor's retry of a delivery it thought lost learns the run.
    func replayed(source: String, deliveryID: String) async throws -> Problem {
        var problem = Problem(.conflict, "replayed", "This delivery was received before", detail: "a delivery with this id from \(source) is already recorded")
        guard let first = try await store.hookEventStatus(source: source, deliveryID: deliveryID) else { return problem }
        let after = first.runID.map { "; its run is \($0)" } ?? (first.outcome == nil ? "; it is not acted on yet" : "; it is about no run")
        problem.detail = "a delivery with this id from \(source) is recorded as event \(first.id)\(after)"
        problem.run = first.runID
        problem.headers[.location] = "/v1/hooks/\(source)/events/\(first.id)"
        return problem
    }

    /// The mapping's delivery_id from the body (`event`, as decoded), else the body's SHA-256 (a byte-identical replay
    /// is refused).
    func deliveryID(_ mapping: HookMapping, body: [UInt8], event: JSONValue?) -> String {
        if let field = mapping.deliveryID, let event {
            if let value = HookMapping.evaluate(field, event: Value(event), item: nil, now: clock.now()), value != .null { return "id:" + value.jsonText() }
        }
        return "sha256:" + SHA256.hash(data: body).lowercaseHex
    }

    func hookEventRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let source = try context.parameter("source")
        guard let id = Int64(try context.parameter("id")), let status = try await store.hookEventStatus(id), status.source == source else {
            throw Problem.notFound("no event \(SafeText.terminal((try? context.parameter("id")) ?? "")) from \(SafeText.terminal(source))")
        }
        return try APIJSON.response(HookEventResource(event: status.id, source: status.source, receivedAt: DateText.iso8601(status.receivedAt, fractionalSeconds: true),
                                                      status: status.outcome == nil ? "recorded" : "acted", outcome: status.outcome, run: status.runID))
    }
}

/// The answer to a recorded delivery.
struct HookReceipt: Encodable {
    var event: Int64
    var source: String
    var status: String

    /// As JSON, written without an encoder (see `APIJSON.response(canonical:)`).
    var json: JSONValue { .object(["event": .int(Int(event)), "source": .string(source), "status": .string(status)]) }
}

/// Where a recorded event stands.
struct HookEventResource: Encodable {
    var event: Int64
    var source: String
    var receivedAt: String
    /// `recorded` until it is acted on, then `acted`.
    var status: String
    var outcome: String?
    var run: String?

    enum CodingKeys: String, CodingKey {
        case event, source, status, outcome, run
        case receivedAt = "received_at"
    }
}
