import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Who holds a lease, read from the worker id (`host:pid:random`, `WorkerConfiguration.defaultWorkerID`).
public struct LeaseHolder: Sendable, Hashable {
    public var host: String
    public var pid: Int32

    /// Nil for an id of another shape (a worker named by hand): such a holder is never presumed dead.
    public init?(workerID: String) {
        let parts = workerID.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]), pid > 0 else { return nil }
        host = parts.dropLast(2).joined(separator: ":")
        self.pid = pid
    }

    /// Whether the holder is a process on this machine that no longer exists (killed, crashed): its lease can
    /// be taken over at once instead of waiting for it to expire. A process that is only paused is alive.
    public var isDeadOnThisHost: Bool {
        host == ProcessInfo.processInfo.hostName && !ProcessState.isAlive(pid)
    }
}

/// What /proc says about a process on this machine.
public enum ProcessState {
    /// The process exists and is not a zombie waiting to be reaped.
    public static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) != 0 && errno == ESRCH { return false }
        // It exists (or is another user's): without /proc to say it is a zombie, it counts as alive, so a live
        // worker is never declared dead (hidepid, another user).
        guard let fields = statFields(pid) else { return true }
        return fields.state != "Z" && fields.state != "X"
    }

    /// The process's start time in clock ticks since boot (field 22 of /proc/PID/stat): with the pid it names
    /// one process, so a pid reused by another process is never mistaken for it.
    public static func startTicks(_ pid: Int32) -> UInt64? { statFields(pid)?.startTicks }

    private static func statFields(_ pid: Int32) -> (state: String, startTicks: UInt64)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // After "pid (comm)": field 3 is the state, field 22 the start time.
        let rest = text[text.index(after: close)...].split(separator: " ")
        guard rest.count > 19, let ticks = UInt64(rest[19]) else { return nil }
        return (String(rest[0]), ticks)
    }

    /// Processes on this machine whose environment holds `entry` (such as `OFFBOARD_RUN_ID=r-…`, which every
    /// attempt's child and its descendants carry): found even when no record of them could be written (a worker
    /// killed between starting a child and recording it). Processes of other users cannot be read and are skipped.
    public static func processes(withEnvironment entry: String) -> [Int32] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        let wanted = Array(entry.utf8)
        let me = getpid()
        return names.compactMap { Int32($0) }.filter { pid in
            guard pid != me, let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return data.split(separator: 0).contains { $0.elementsEqual(wanted) }
        }
    }

    /// Ends every process whose environment holds `entry` (each one's whole process group, never this
    /// process's own) and waits until they are gone (at most `timeout` seconds). Returns how many there were.
    @discardableResult
    public static func endAll(withEnvironment entry: String, timeout: TimeInterval = 10) async -> Int {
        let found = processes(withEnvironment: entry).filter(isAlive)
        guard !found.isEmpty else { return 0 }
        let ownGroup = getpgrp()
        for pid in found {
            let group = getpgid(pid)
            if group > 0, group != ownGroup { _ = kill(-group, SIGKILL) }
            _ = kill(pid, SIGKILL)
        }
        await waitUntilGone(found, timeout: timeout)
        return found.count
    }

    /// Waits until none of `pids` is alive, at most `timeout` seconds; returns whether they are all gone.
    @discardableResult
    static func waitUntilGone(_ pids: [Int32], timeout: TimeInterval) async -> Bool {
        let giveUp = Date().addingTimeInterval(timeout)
        while pids.contains(where: isAlive), Date() < giveUp { try? await Task.sleep(nanoseconds: 20_000_000) }
        return !pids.contains(where: isAlive)
    }

    /// Ends the process group led by `pid` if that process is still the one recorded (same start time), and
    /// waits until it is gone (at most `timeout` seconds). Returns whether it is gone.
    @discardableResult
    public static func endGroup(leader pid: Int32, startTicks: UInt64?, timeout: TimeInterval = 10) async -> Bool {
        guard isAlive(pid) else { return true }
        // Only the very process recorded: without its start time (or with another one) the pid may be reused.
        guard let recorded = startTicks, let now = self.startTicks(pid), now == recorded else { return true }
        _ = kill(-pid, SIGKILL)
        _ = kill(pid, SIGKILL)
        return await waitUntilGone([pid], timeout: timeout)
    }
}

/// A process an attempt started (a `command` or plugin child), recorded in the store while it runs so a worker
/// that takes the run over on the same host can end it before running the step again: no two attempts of one
/// step overlap, even when the worker that started it was paused past its lease or killed.
public struct AttemptProcess: Sendable, Hashable {
    public var runID: String
    public var instance: String
    public var attempt: Int
    public var worker: String
    public var host: String
    public var pid: Int32
    public var startTicks: UInt64?

    public init(runID: String, instance: String, attempt: Int, worker: String, host: String, pid: Int32, startTicks: UInt64?) {
        self.runID = runID
        self.instance = instance
        self.attempt = attempt
        self.worker = worker
        self.host = host
        self.pid = pid
        self.startTicks = startTicks
    }
}

/// Told by a handler when a child process of the attempt starts and ends (see `ExecutionContext.processes`).
public protocol AttemptProcessRecorder: Sendable {
    func started(pid: Int32) async
    func ended(pid: Int32) async
}

/// Records an attempt's processes in the run store.
struct StoreProcessRecorder: AttemptProcessRecorder {
    let store: any RunStore
    let runID: String
    let instance: InstanceKey
    let attempt: Int
    let worker: String

    func started(pid: Int32) async {
        let process = AttemptProcess(runID: runID, instance: instance.description, attempt: attempt, worker: worker,
                                     host: ProcessInfo.processInfo.hostName, pid: pid, startTicks: ProcessState.startTicks(pid))
        try? await store.recordAttemptProcess(process)
    }

    func ended(pid: Int32) async {
        // A fresh task: the attempt's own may be cancelled, and the store refuses work from a cancelled task.
        let store = self.store, runID = self.runID
        await Task { try? await store.removeAttemptProcess(runID: runID, pid: pid) }.value
    }
}
