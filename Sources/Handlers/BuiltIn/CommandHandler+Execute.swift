import Engine
import Foundation
import Playbook
import Subprocess

extension CommandHandler {
    /// Runs argv (no shell) in its own process group. Exit 0 is success and a JSON object on stdout
    /// becomes the output; any other exit is a retryable failure. On timeout or cancellation the
    /// whole process group is killed.
    public func execute(_ context: ExecutionContext) async throws -> StepOutcome {
        guard case .list(let items)? = context.parameters["argv"], !items.isEmpty else {
            throw HandlerFailure("argv must be a non-empty list", retryable: false)
        }
        let argv = try items.map { item -> String in
            guard let text = item.displayText else { throw HandlerFailure("argv holds an empty value", retryable: false) }
            return text
        }
        var environment: [Environment.Key: String?] = [
            "OFFBOARD_RUN_ID": context.runID, "OFFBOARD_STEP_ID": context.instance.step, "OFFBOARD_ATTEMPT": String(context.attempt),
            "OFFBOARD_IDEMPOTENCY_KEY": context.idempotencyKey, "OFFBOARD_ITEM": context.instance.item,
            "OFFBOARD_FENCING_TOKEN": String(context.fencingToken),
        ]
        // The child gets only what the step declares: never the engine's secrets, nor anything else it runs with.
        if case .list(let names)? = context.parameters["inherit_env"] {
            let engine = ProcessInfo.processInfo.environment
            for name in names.compactMap(\.displayText) {
                guard !name.hasPrefix("OFFBOARD_SECRET_") else {
                    throw HandlerFailure("inherit_env may not name \(name): give the child a secret as env: { VAR: \"${secret:NAME}\" }", retryable: false)
                }
                if let value = engine[name] { environment[Environment.Key(stringLiteral: name)] = value }
            }
        }
        if case .object(let extra)? = context.parameters["env"] {
            for (name, value) in extra {
                let text = try context.secrets.reveal(value) ?? ""
                environment[Environment.Key(stringLiteral: name)] = text
            }
        }
        var timeout = context.timeout
        if case .duration(let own)? = context.parameters["timeout"] { timeout = min(timeout ?? .infinity, TimeInterval(own.seconds)) }
        // Secrets the child echoes are scrubbed by the executor from everything the attempt returns.
        let result = try await ChildProcess.run(argv: argv, environment: environment, workingDirectory: context.parameters["cwd"]?.displayText,
                                                input: [], timeout: timeout, clock: context.clock, processes: context.processes)
        let stdout = String(decoding: result.stdout, as: UTF8.self)
        let stderr = String(decoding: result.stderr, as: UTF8.self)
        switch result.status {
        case .exited(0):
            if let data = stdout.data(using: .utf8), case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: data) {
                return .completed(.object(fields))
            }
            return .completed(.object(["exit_code": .int(0), "stdout": .string(stdout), "stderr": .string(stderr)]))
        case .exited(let code):
            throw HandlerFailure("\(argv[0]) exited with status \(code)\(result.stderrTail)", retryable: true)
        case .signaled(let signal):
            throw HandlerFailure("\(argv[0]) was killed by signal \(signal)\(result.stderrTail)", retryable: true)
        }
    }
}
