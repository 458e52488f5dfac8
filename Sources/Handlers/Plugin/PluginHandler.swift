import Engine
import Foundation
import Playbook
import Subprocess

/// A handler implemented by an external executable in any language, described by a
/// `PluginManifest`. Each call runs the executable once in its own process group, writes one JSON
/// request to its stdin and reads one JSON response from its stdout (protocol in docs/plugins.md):
///
/// request  `{"protocol": 1, "action": "plan|execute|verify|compensate", "type": …, "parameters": {…},
///           "idempotency_key": …, "run": {"id", "step", "item", "attempt"}}`
/// response `{"status": "ok", "output": {…}}` · `{"status": "ok", "summary": …, "details": […]}` (plan) ·
///          `{"status": "ok", "holds": true, "detail": …}` (verify) · `{"status": "error", "message": …, "retryable": bool}`
public struct PluginHandler: StepHandler {
    public let manifest: PluginManifest

    public init(_ manifest: PluginManifest) { self.manifest = manifest }

    public var type: String { manifest.type }
    public var summary: String { manifest.summary }
    public var removesAccess: Bool { manifest.removesAccess }
    public var parameters: ParameterSchema { manifest.parameters }

    public func plan(_ request: HandlerPlanRequest) async throws -> ActionPreview {
        let fallback = ActionPreview("run plugin \(manifest.type)", details: ["executable: \(manifest.executable)"])
        guard manifest.actions.contains("plan") else { return fallback }
        // A dry run never reveals secrets: the plugin sees `${secret:NAME}` references.
        let parameters = JSONValue.object(request.parameters.mapValues { $0.json() })
        let response = try await call("plan", parameters: parameters, run: .object(["step": .string(request.stepID),
                                                                                   "item": request.item.map { .string($0) } ?? .null]),
                                      key: nil, clock: SystemClock(), timeout: manifest.timeout)
        guard case .string(let summary)? = response["summary"] else { return fallback }
        let details: [String]
        if case .array(let lines)? = response["details"] { details = lines.compactMap { if case .string(let line) = $0 { line } else { nil } } } else { details = [] }
        return ActionPreview(summary, details: details)
    }

    public func execute(_ context: ExecutionContext) async throws -> StepOutcome {
        let response = try await call("execute", context: context)
        if case .object(let output)? = response["output"] { return .completed(.object(output)) }
        return .completed(.object([:]))
    }

    public func verify(_ context: ExecutionContext) async throws -> VerificationResult? {
        guard manifest.actions.contains("verify") else { return nil }
        let response = try await call("verify", context: context)
        guard case .bool(let holds)? = response["holds"] else {
            throw HandlerFailure("plugin \(manifest.type): a verify answer needs \"holds\": true or false", retryable: false)
        }
        if case .string(let detail)? = response["detail"] { return VerificationResult(holds: holds, detail: detail) }
        return VerificationResult(holds: holds, detail: holds ? "the plugin confirms the effect holds" : "the plugin reports the effect does not hold")
    }

    private func call(_ action: String, context: ExecutionContext) async throws -> [String: JSONValue] {
        var parameters: [String: JSONValue] = [:]
        for (name, value) in context.parameters { parameters[name] = try Self.revealed(value, secrets: context.secrets) }
        let run: JSONValue = .object(["id": .string(context.runID), "step": .string(context.instance.step),
                                      "item": context.instance.item.map { .string($0) } ?? .null, "attempt": .int(context.attempt),
                                      "fencing_token": .int(Int(context.fencingToken))])
        return try await call(action, parameters: .object(parameters), run: run, key: context.idempotencyKey, clock: context.clock,
                              timeout: min(context.timeout ?? manifest.timeout, manifest.timeout), fencingToken: context.fencingToken,
                              processes: context.processes)
    }

    private func call(_ action: String, parameters: JSONValue, run: JSONValue, key: String?, clock: any EngineClock,
                      timeout: TimeInterval, fencingToken: Int64? = nil, processes: (any AttemptProcessRecorder)? = nil) async throws -> [String: JSONValue] {
        let request = JSONValue.object(["protocol": 1, "action": .string(action), "type": .string(manifest.type), "parameters": parameters,
                                        "idempotency_key": key.map { .string($0) } ?? .null, "run": run])
        var environment: [Environment.Key: String?] = ["OFFBOARD_PLUGIN_ACTION": action, "OFFBOARD_IDEMPOTENCY_KEY": key,
                                                        "OFFBOARD_FENCING_TOKEN": fencingToken.map { String($0) }]
        // Lets a worker that takes the run over find this child should this worker die (see ProcessState).
        if case .object(let fields) = run, case .string(let id)? = fields["id"] { environment["OFFBOARD_RUN_ID"] = id }
        let result = try await ChildProcess.run(argv: [manifest.executable], environment: environment,
                                                workingDirectory: (manifest.executable as NSString).deletingLastPathComponent,
                                                input: [UInt8](request.canonicalData()), timeout: timeout, clock: clock, processes: processes)
        let name = "plugin \(manifest.type)"
        guard case .object(let response)? = try? JSONDecoder().decode(JSONValue.self, from: result.stdout) else {
            switch result.status {
            case .exited(0): throw HandlerFailure("\(name) answered \(action) without a JSON object on stdout\(result.stderrTail)", retryable: false)
            case .exited(let code): throw HandlerFailure("\(name) exited with status \(code)\(result.stderrTail)", retryable: true)
            case .signaled(let signal): throw HandlerFailure("\(name) was killed by signal \(signal)\(result.stderrTail)", retryable: true)
            }
        }
        switch response["status"] {
        case "ok"?: return response
        case "error"?:
            let message: String
            if case .string(let text)? = response["message"] { message = text } else { message = "failed" }
            throw HandlerFailure("\(name): \(message)", retryable: response["retryable"] == .bool(true))
        default:
            throw HandlerFailure("\(name) answered \(action) without \"status\": \"ok\" or \"error\"", retryable: false)
        }
    }

    /// A parameter as JSON with its secrets filled in (only for execute and verify).
    static func revealed(_ value: Value, secrets: any SecretResolver) throws(HandlerFailure) -> JSONValue {
        switch value {
        case .secret: return try secrets.reveal(value).map { .string($0) } ?? .null
        case .list(let items):
            var result: [JSONValue] = []
            for item in items { result.append(try revealed(item, secrets: secrets)) }
            return .array(result)
        case .object(let fields):
            var result: [String: JSONValue] = [:]
            for (name, field) in fields { result[name] = try revealed(field, secrets: secrets) }
            return .object(result)
        default: return value.json()
        }
    }
}
