import Engine
import Foundation
import Playbook
import Subprocess
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program (argv, never a shell) in its own process group, feeding it `input` on stdin and
/// capturing stdout and stderr (capped). On timeout or cancellation the whole group is killed.
enum ChildProcess {
    /// Most bytes of stdout and of stderr kept; the rest is read and dropped so the child never blocks.
    static let captureLimit = 64 * 1024

    struct Result: Sendable {
        var stdout: Data
        var stderr: Data
        var status: TerminationStatus

        /// `: ` and the last 500 characters of stderr, for a failure message (empty when it is blank).
        var stderrTail: String {
            let trimmed = String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            // A cut is marked with …, where the scrubber also removes a fragment of a secret cut in two.
            return trimmed.isEmpty ? "" : ": " + (trimmed.count > 500 ? "…" : "") + String(trimmed.suffix(500))
        }
    }

    /// The engine's variables a child gets besides those its step declares: enough to find programs and
    /// read text, never the engine's `OFFBOARD_SECRET_*` or anything else it was started with.
    static let passedThrough = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"]

    /// The whole environment of a child: the pass-through variables, then `declared` (which wins).
    static func childEnvironment(_ declared: [Environment.Key: String?]) -> [Environment.Key: String] {
        let engine = ProcessInfo.processInfo.environment
        var result: [Environment.Key: String] = [:]
        for name in passedThrough { if let value = engine[name] { result[Environment.Key(stringLiteral: name)] = value } }
        if result["PATH"] == nil { result["PATH"] = "/usr/local/bin:/usr/bin:/bin" }
        for (key, value) in declared { result[key] = value }
        return result
    }

    /// `processes` hears the child's pid as it starts and again when it is gone: the worker records it, so a
    /// worker that takes the run over can end a child left running by one that was killed or paused.
    static func run(argv: [String], environment: [Environment.Key: String?], workingDirectory: String?, input: [UInt8],
                    timeout: TimeInterval?, clock: any EngineClock, processes: (any AttemptProcessRecorder)? = nil) async throws -> Result {
        let executable: Executable = argv[0].contains("/") ? .path(FilePath(argv[0])) : .name(argv[0])
        var options = PlatformOptions()
        options.processGroupID = 0
        let group = ProcessGroup()
        let limit = captureLimit
        let timer = timeout.map { seconds in
            Task {
                try? await clock.sleep(until: clock.now().addingTimeInterval(seconds))
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
                    executable, arguments: Arguments(Array(argv.dropFirst())), environment: .custom(childEnvironment(environment)),
                    workingDirectory: workingDirectory.map { FilePath($0) }, platformOptions: options,
                    input: .array(input), output: .sequence, error: .sequence
                ) { execution in
                    group.started(pid: execution.processIdentifier.value)
                    await processes?.started(pid: execution.processIdentifier.value)
                    async let out = collect(execution.standardOutput, limit: limit)
                    async let err = collect(execution.standardError, limit: limit)
                    return try await (out, err)
                }
            } onCancel: {
                group.kill(timedOut: false)
            }
        } catch {
            if let pid = group.leader { await processes?.ended(pid: pid) }
            throw HandlerFailure("could not run \(argv[0]): \(error)", retryable: false)
        }
        // The group is killed in `defer` below; the record goes once the child itself has ended.
        if let pid = group.leader { await processes?.ended(pid: pid) }
        try Task.checkCancellation()
        if group.timedOut {
            throw HandlerFailure("timed out after \(PlaybookDuration(seconds: Int(timeout ?? 0))); killed process group", retryable: true)
        }
        return Result(stdout: result.closureResult.0, stderr: result.closureResult.1, status: result.terminationStatus)
    }

    private static func collect(_ sequence: SubprocessOutputSequence, limit: Int) async throws -> Data {
        var collected = Data()
        for try await buffer in sequence where collected.count < limit {
            buffer.withUnsafeBytes { bytes in collected.append(contentsOf: bytes.prefix(limit - collected.count)) }
        }
        return collected
    }
}

/// The child's process group, killed as a whole: the child and anything it started.
final class ProcessGroup: @unchecked Sendable {
    // Safe to share: `pid` and `timedOut` are only touched while holding `lock`.
    private let lock = NSLock()
    private var pid: pid_t?
    private var wasKilledForTimeout = false

    func started(pid: pid_t) { lock.withLock { self.pid = pid } }

    /// The child's pid (it leads the group), once started.
    var leader: pid_t? { lock.withLock { pid } }

    var timedOut: Bool { lock.withLock { wasKilledForTimeout } }

    func kill(timedOut: Bool) {
        lock.withLock {
            guard let pid else { return }
            if timedOut { wasKilledForTimeout = true }
            _ = Glibc.kill(-pid, SIGKILL)
        }
    }
}
