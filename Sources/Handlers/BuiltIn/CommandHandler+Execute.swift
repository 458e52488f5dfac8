import Engine
import Foundation
import Playbook
import Subprocess
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

extension CommandHandler {
    /// Most bytes of stdout and of stderr kept; the rest is read and dropped so the child never blocks.
    static let captureLimit = 64 * 1024

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
        ]
        if case .object(let extra)? = context.parameters["env"] {
            for (name, value) in extra {
                let text = try context.secrets.reveal(value) ?? ""
                environment[Environment.Key(stringLiteral: name)] = text
            }
        }
        var timeout = context.timeout
        if case .duration(let own)? = context.parameters["timeout"] { timeout = min(timeout ?? .infinity, TimeInterval(own.seconds)) }
        let executable: Executable = argv[0].contains("/") ? .path(FilePath(argv[0])) : .name(argv[0])
        var options = PlatformOptions()
        options.processGroupID = 0
        let group = ProcessGroup()
        let limit = Self.captureLimit
        let timer = timeout.map { seconds in
            Task {
                try? await context.clock.sleep(until: context.clock.now().addingTimeInterval(seconds))
                if !Task.isCancelled { group.kill(timedOut: true) }
            }
        }
        defer {
            timer?.cancel()
            group.kill(timedOut: false)
        }
        let result: ExecutionResult<(Data, Data), SequenceOutput, SequenceOutput>
        do {
            result = try await withTaskCancellationHandler {
                try await Subprocess.run(
                    executable, arguments: Arguments(Array(argv.dropFirst())), environment: .inherit.updating(environment),
                    workingDirectory: context.parameters["cwd"]?.displayText.map { FilePath($0) }, platformOptions: options,
                    input: .none, output: .sequence, error: .sequence
                ) { execution in
                    group.started(pid: execution.processIdentifier.value)
                    async let out = Self.collect(execution.standardOutput, limit: limit)
                    async let err = Self.collect(execution.standardError, limit: limit)
                    return try await (out, err)
                }
            } onCancel: {
                group.kill(timedOut: false)
            }
        } catch {
            throw HandlerFailure("could not run \(argv[0]): \(error)", retryable: false)
        }
        try Task.checkCancellation()
        // Secrets the child echoes are scrubbed by the executor from everything the attempt returns.
        let stdout = String(decoding: result.closureResult.0, as: UTF8.self)
        let stderr = String(decoding: result.closureResult.1, as: UTF8.self)
        if group.timedOut {
            throw HandlerFailure("timed out after \(PlaybookDuration(seconds: Int(timeout ?? 0))); killed process group", retryable: true)
        }
        switch result.terminationStatus {
        case .exited(0):
            if let data = stdout.data(using: .utf8), case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: data) {
                return .completed(.object(fields))
            }
            return .completed(.object(["exit_code": .int(0), "stdout": .string(stdout), "stderr": .string(stderr)]))
        case .exited(let code):
            throw HandlerFailure("\(argv[0]) exited with status \(code)\(Self.tail(stderr))", retryable: true)
        case .signaled(let signal):
            throw HandlerFailure("\(argv[0]) was killed by signal \(signal)\(Self.tail(stderr))", retryable: true)
        }
    }

    private static func collect(_ sequence: SubprocessOutputSequence, limit: Int) async throws -> Data {
        var collected = Data()
        for try await buffer in sequence where collected.count < limit {
            buffer.withUnsafeBytes { bytes in collected.append(contentsOf: bytes.prefix(limit - collected.count)) }
        }
        return collected
    }

    private static func tail(_ stderr: String) -> String {
        let trimmed = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return "" }
        return ": " + String(trimmed.suffix(500))
    }
}

/// The child's process group, killed as a whole: the child and anything it started.
final class ProcessGroup: @unchecked Sendable {
    // Safe to share: `pid` and `timedOut` are only touched while holding `lock`.
    private let lock = NSLock()
    private var pid: pid_t?
    private var wasKilledForTimeout = false

    func started(pid: pid_t) { lock.withLock { self.pid = pid } }

    var timedOut: Bool { lock.withLock { wasKilledForTimeout } }

    func kill(timedOut: Bool) {
        lock.withLock {
            guard let pid else { return }
            if timedOut { wasKilledForTimeout = true }
            _ = Glibc.kill(-pid, SIGKILL)
        }
    }
}
