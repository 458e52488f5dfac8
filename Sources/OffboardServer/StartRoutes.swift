import Foundation
import Hummingbird
import Logging
import OffboardRuntime
import Playbook

/// Starting a leaver run, and its dry run, from a playbook name and a leaver record.
extension ServerRuntime {
    /// The body of a start or a plan: `{"playbook": NAME, "inputs": {…}}`, composed so problems carry line and column.
    struct LeaverBody {
        var playbook: Playbook
        var record: YAMLNode?
    }

    func leaverBody(_ request: Request, context: APIRequestContext) async throws -> LeaverBody {
        let bytes = Array(try await request.collectBody(upTo: context.maxUploadSize, within: ClientLimits.bodyTime).readableBytesView)
        // JSON by JSON's rules first (YAML reads JSON, but not every escape: a surrogate pair such as \ud83d\ude00);
        // then composed, from the bytes sent when YAML reads them, so problems carry their line and column.
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)), case .object = json else {
            throw Problem.badRequest("the body must be a JSON object {\"playbook\": NAME, \"inputs\": {…}}")
        }
        let composed = YAMLComposer.compose(bytes, file: "body")
        let read = composed.diagnostics.containsErrors ? nil : composed.root
        guard let root = read ?? Optional(LeaverRecord.node(from: json, file: "body")), let pairs = root.mapping else {
            throw Problem.badRequest("the body must be a JSON object {\"playbook\": NAME, \"inputs\": {…}}")
        }
        for pair in pairs where !["playbook", "inputs"].contains(pair.name) {
            throw Problem.badRequest("unknown field '\(SafeText.terminal(pair.name))': the body has playbook and inputs")
        }
        guard let name = root["playbook"]?.string else { throw Problem.badRequest("'playbook' (a playbook name) is required") }
        let record = root["inputs"]
        if let record, record.mapping == nil { throw Problem.badRequest("'inputs' must be an object of input values") }
        return LeaverBody(playbook: try playbook(named: name), record: record)
    }

    func playbook(named name: String) throws -> Playbook {
        do {
            return try catalog.playbook(named: name)
        } catch {
            switch error {
            case .notFound(let message): throw Problem.notFound(message)
            case .invalid(let name, let diagnostics):
                logger.error("playbook \(name) does not load: \(diagnostics.map(\.description).joined(separator: "; "))")
                throw Problem(.internalServerError, "playbook-invalid", "The playbook does not load on this server",
                              detail: "playbook \(name) has errors; `offboard validate` on the server shows them")
            }
        }
    }

    /// Binds the record, or a 422 problem naming each field.
    func bind(_ body: LeaverBody, now: Date) throws -> BoundInputs {
        do {
            return try LeaverRecord.bind(body.record, to: body.playbook, now: now)
        } catch {
            let problems = LeaverRecord.problems(error.diagnostics, record: body.record, playbook: body.playbook)
            throw Problem.unprocessable("the leaver record does not fit playbook \(body.playbook.name)", errors: problems)
        }
    }

    func startRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let key = request.headers[.init("Idempotency-Key")!]
        if let key, key.isEmpty || key.count > 200 || key.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value > 0x7e }) {
            throw Problem.badRequest("Idempotency-Key must be 1–200 visible ASCII characters")
        }
        let body = try await leaverBody(request, context: context)
        let inputs = try bind(body, now: clock.now())
        let started = try await RunStarting(store: store, clock: clock, worker: worker).start(body.playbook, inputs: inputs, key: key, by: caller.actor)
        let stored = try await stored(started.id)
        if !started.created, key != nil {
            if let difference = Self.difference(stored, body: body, inputs: inputs) {
                throw Problem.unprocessable("this Idempotency-Key was first used for run \(started.id) with a different \(difference)", run: started.id)
            }
        }
        return try APIJSON.response(RunResource(stored.summary), status: started.created ? .created : .ok,
                                    headers: [.location: "/v1/runs/\(started.id)"])
    }

    /// What differs between the run a key started and a repeat of it (nil when it is the same request); a value
    /// given as `now` is the same request again, whatever time it binds to.
    static func difference(_ stored: StoredRun, body: LeaverBody, inputs: BoundInputs) -> String? {
        if stored.summary.playbookName != body.playbook.name { return "playbook" }
        let repeated = inputs.json
        guard case .object(let now) = repeated, case .object(let first) = stored.inputs else { return nil }
        let givenAsNow = Set((body.record?.mapping ?? []).filter { $0.value.scalar?.text == "now" }.map(\.name))
        for name in Set(now.keys).union(first.keys).sorted() where !givenAsNow.contains(name) {
            if now[name] != first[name] { return "value of '\(name)'" }
        }
        return nil
    }

    func planRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let live = try Self.flag(request.uri.queryParameters.get("live"), name: "live")
        let body = try await leaverBody(request, context: context)
        let now = clock.now()
        let inputs = try bind(body, now: now)
        let plan = await RunStarting.plan(body.playbook, inputs: inputs, now: now, registry: registry, liveSecrets: live ? secrets : nil)
        return try APIJSON.response(plan)
    }
}

extension ServerRuntime {
    /// A bulk file of leavers (text/csv or application/x-ndjson): every row checked before anything starts.
    func importRoute(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let caller = try context.requireCaller(), query = request.uri.queryParameters
        guard let name = query.get("playbook") else { throw Problem.badRequest("?playbook=NAME is required") }
        let dryRun = try Self.flag(query.get("dry_run"), name: "dry_run")
        guard let format = LeaverImport.Format(name: request.headers[.contentType] ?? "") else {
            throw Problem(.unsupportedMediaType, "media-type", "The file must be CSV or JSON Lines",
                          detail: "send Content-Type: text/csv (a header row of input names) or application/x-ndjson (one leaver object per line)")
        }
        let playbook = try playbook(named: name)
        let bytes = Array(try await request.collectBody(upTo: context.maxUploadSize, within: ClientLimits.bodyTime).readableBytesView)
        let report = try await LeaverImport(store: dryRun ? nil : store, registry: registry, clock: clock)
            .run(bytes, format: format, file: "upload", playbook: playbook, by: caller.actor, dryRun: dryRun)
        guard report.valid else {
            let problems = report.fileProblems + report.rows.flatMap { row in
                row.problems.map { problem in
                    var placed = problem
                    placed.line = placed.line ?? row.row
                    return placed
                }
            }
            let invalid = report.rows.filter { $0.outcome == "invalid" }.count
            throw Problem.unprocessable(report.fileProblems.isEmpty ? "\(invalid) of \(report.rows.count) row(s) have problems; nothing was started"
                                        : "the file cannot be read; nothing was started", errors: problems)
        }
        return try APIJSON.response(report)
    }
}
