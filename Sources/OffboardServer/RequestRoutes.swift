import Foundation
import Hummingbird
import OffboardRuntime
import Playbook

/// Changing a run: cancel, reschedule, reverse, retry, and a person's action on a task. Each goes through
/// `Worker.submit` to the worker running in this process, journaled with the token's name as the actor.
extension ServerRuntime {
    struct CancelBody: RequestBody {
        var reason: String
        enum CodingKeys: String, CodingKey, CaseIterable { case reason }
    }
    struct RescheduleBody: RequestBody {
        var set: [String: String]
        var reason: String
        var allowPast: Bool?
        enum CodingKeys: String, CodingKey, CaseIterable { case set, reason, allowPast = "allow_past" }
    }
    struct ReverseBody: RequestBody {
        var reason: String?
        var dryRun: Bool?
        enum CodingKeys: String, CodingKey, CaseIterable { case reason, dryRun = "dry_run" }
    }
    struct RetryBody: RequestBody {
        var step: String?
        enum CodingKeys: String, CodingKey, CaseIterable { case step }
    }
    struct TaskBody: RequestBody {
        var item: String?
        var evidence: [String: String]?
        var reason: String?
        enum CodingKeys: String, CodingKey, CaseIterable { case item, evidence, reason }
    }

    /// Submits `request` and answers 200 (applied), 202 (recorded, the holder applies it when it next looks),
    /// 409 (refused now), 422 (the values were wrong) or 404.
    func answer(_ request: RunRequest) async throws -> Response {
        switch try await worker.submit(request) {
        case .applied(let state): return try APIJSON.response(RequestAnswer(run: request.runID, state: state.rawValue, pending: false))
        case .pending(let state): return try APIJSON.response(RequestAnswer(run: request.runID, state: state.rawValue, pending: true), status: .accepted)
        case .refused(let refused):
            let detail = refused.problems.joined(separator: "; ")
            var problem = refused.isInvalidInput ? Problem.unprocessable(detail, run: request.runID) : Problem.conflict(detail, run: request.runID)
            problem.code = refused.code.rawValue
            problem.field = refused.field
            throw problem
        case .noSuchRun: throw Problem.notFound("no run \(SafeText.terminal(request.runID))")
        }
    }

    /// A request's reason, by the runtime's one rule (`RequestReason`); a refusal is a 400 naming the field.
    static func reason(_ text: String?) throws -> String {
        switch RequestReason.checked(text) {
        case .success(let reason): return reason
        case .failure(let refusal): throw Problem.badRequest(refusal.sentence())
        }
    }

    func cancelRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let caller = try context.requireCaller(), id = try context.parameter("id")
        let body = try await APIJSON.decode(CancelBody.self, from: request, context: context)
        return try await answer(RunRequest(runID: id, kind: .cancel, reason: try Self.reason(body.reason), requestedBy: caller.actor,
                                           requestedAt: clock.now()))
    }

    func rescheduleRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let caller = try context.requireCaller(), id = try context.parameter("id")
        let body = try await APIJSON.decode(RescheduleBody.self, from: request, context: context)
        guard !body.set.isEmpty else { throw Problem.badRequest("'set' names at least one date or datetime input") }
        let now = clock.now()
        return try await answer(RunRequest(runID: id, kind: .reschedule, reason: try Self.reason(body.reason),
                                           fields: ChangedFields.resolved(body.set, now: now),
                                           requestedBy: caller.actor, requestedAt: now, allowPast: body.allowPast ?? false))
    }

    func reverseRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let caller = try context.requireCaller(), id = try context.parameter("id")
        let body = try await APIJSON.decode(ReverseBody.self, from: request, context: context)
        // A reason given is held to the rule even with a preview: what is sent either way is checked the same.
        let reason = try body.reason.map(Self.reason)
        if body.dryRun == true {
            return try APIJSON.response(try await ReversalPreview.make(try await stored(id), registry: registry, now: clock.now()))
        }
        guard let reason else { throw Problem.badRequest("'reason' is required (the record says why), unless dry_run is true") }
        return try await answer(RunRequest(runID: id, kind: .reverse, reason: reason, requestedBy: caller.actor,
                                           requestedAt: clock.now()))
    }

    func retryRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let caller = try context.requireCaller(), id = try context.parameter("id")
        let body = try await APIJSON.decode(RetryBody.self, from: request, context: context)
        return try await answer(RunRequest(runID: id, kind: .redrive, step: body.step, requestedBy: caller.actor, requestedAt: clock.now()))
    }

    /// Completes, approves or rejects a task. A `task:<assignee>` token acts only on that assignee's tasks.
    func taskActionRoute(_ kind: RunRequest.Kind) -> @Sendable (Request, APIRequestContext) async throws -> Response {
        { request, context in
            let caller = try context.requireCaller(), id = try context.parameter("id"), step = try context.parameter("step")
            let body = try await APIJSON.decode(TaskBody.self, from: request, context: context)
            if case .task(let assignee) = caller.role {
                let task = try await replayed(id).openTasks(now: clock.now()).first { $0.step == step && $0.item == body.item }
                guard let task, task.isFor(assignee) else {
                    throw Problem(.forbidden, "forbidden", "This token's role may not do this",
                                  detail: "a task:\(assignee) token acts only on tasks \(assignee) is asked to do or approve")
                }
            }
            var reason: String?
            if kind == .reject { reason = try Self.reason(body.reason) }
            return try await answer(RunRequest(runID: id, kind: kind, step: step, item: body.item, reason: reason,
                                               fields: kind == .complete ? body.evidence ?? [:] : [:], requestedBy: caller.actor, requestedAt: clock.now()))
        }
    }
}
