import Foundation
import Logging
import Playbook

/// Drives one run while this worker holds its lease: the imperative shell around `RunCore`.
///
/// It replays the journal, then loops: pass an input to the core, make the decided events durable
/// (write-ahead, through group commit), only then start the decided attempts, and feed their
/// results back. It returns when the run finishes, when the next thing to do is further away than
/// `holdWindow` (the lease is released and the run's wake time is stored), or when the lease is lost.
struct RunDriver {
    enum Ending: Sendable, Equatable {
        case finished(RunState)
        case parked(RunState, wakeAt: Date?)
        case leaseLost
    }

    private enum Input: Sendable {
        case attempt(InstanceKey, Int, AttemptResult)
        case wake
        /// The lease is gone (another worker holds the run, or it lapsed): end the attempts, write nothing more.
        case leaseLost
    }

    let runID: String
    let context: WorkerContext
    /// The run as it is stored, when the caller has it (a run just made and handed off); else it is loaded.
    var stored: StoredRun? = nil

    var store: any RunStore { context.store }
    var clock: any EngineClock { context.clock }

    func drive() async throws -> Ending {
        var found = self.stored
        if found == nil { found = try await store.loadRun(runID) }
        guard let stored = found else { throw DriverError("run \(runID) does not exist") }
        let playbook = try context.playbooks.playbook(for: stored)
        var core = try RunCore.replaying(stored, playbook: playbook, maxParallel: context.configuration.maxParallelPerRun)
        let personal = PersonalData(playbook: playbook, inputs: core.inputs)
        var sequence = stored.journal.count

        let (stream, continuation) = AsyncStream<Input>.makeStream()
        var inputsIterator = stream.makeAsyncIterator()
        let leaseToken = context.leases.keep(runID) { continuation.yield(.leaseLost) }
        defer { context.leases.forget(runID, token: leaseToken) }
        // A previous holder's attempts may still run (it was killed, or paused past its lease): end them first.
        // Only a journal with an attempt started and not finished can have left one.
        if core.orderedInstances.contains(where: { if case .running = $0.state { true } else { false } }) { await endLeftoverProcesses() }
        let fencingToken = stored.summary.leaseGeneration
        var attempts: [InstanceKey: Task<Void, Never>] = [:]
        var timer: Task<Void, Never>?
        defer {
            timer?.cancel()
            attempts.values.forEach { $0.cancel() }
        }

        // Cancelled while awaiting the store (the worker is stopping): stop as at any other point,
        // with the attempts ended and the lease given back.
        do {
            // A run just made (handed off with it) has no requests yet to read: one made from here on is read at the
            // next look, as one made a moment after a read would be.
            var (decision, handled) = try await takeRequests(into: &core, first: core.state == .pending ? try core.start(at: clock.now()) : core.state.isFinished ? RunDecision(state: core.state) : try core.recover(at: clock.now()),
                                                             reading: self.stored == nil)
            while true {
                let plan = DriverPlan(state: core.state, nextWake: core.nextWake, nextDeadline: core.nextDeadline, attemptsInFlight: attempts.count,
                                      holdWindow: context.configuration.holdWindow, requestPollInterval: context.configuration.requestPollInterval)
                for action in plan.actions(for: decision, answering: handled, at: clock.now()) {
                    switch action {
                    case .journal(let write):
                        let entries = write.events.enumerated().map { JournalEntry(sequence: sequence + $0.offset + 1, at: write.at, event: $0.element) }
                        // The journal keeps tokens where the leaver's personal values were (see PersonalData).
                        let concealed = personal.isEmpty ? entries : entries.map { JournalEntry(sequence: $0.sequence, at: $0.at, event: personal.conceal($0.event)) }
                        let outcome = try await context.writer.append(JournalAppend(
                            runID: runID, worker: context.configuration.workerID, entries: concealed, state: write.state, wakeAt: write.wakeAt,
                            nextDeadline: write.nextDeadline, leaseUntil: write.at.addingTimeInterval(context.configuration.leaseDuration),
                            handledRequests: write.handled, releaseLease: write.releasingLease, at: write.at))
                        if case .leaseLost(let owner) = outcome {
                            // Fenced out: end this worker's attempts and wait for them, as when the keeper says so.
                            let holder = owner == context.configuration.workerID ? nil : owner
                            let why = holder.map { "run \(runID) is held by another worker now (\($0))" } ?? "the lease of run \(runID) lapsed"
                            context.logger.warning("\(why); what this worker last did is not recorded and its attempts end")
                            await Self.end(attempts)
                            attempts = [:]
                            return .leaseLost
                        }
                        sequence += entries.count
                        context.observer?.recorded(runID: runID, entries: entries, run: ObservedRun(core: core))
                    case .startAttempt(let request):
                        let runner = context.runner, runID = self.runID
                        let recorder = StoreProcessRecorder(store: store, runID: runID, instance: request.instance, attempt: request.attempt,
                                                            worker: context.configuration.workerID)
                        attempts[request.instance] = Task {
                            let result = await runner.run(request, runID: runID, fencingToken: fencingToken, processes: recorder)
                            continuation.yield(.attempt(request.instance, request.attempt, result))
                        }
                    case .cancelAttempt(let key):
                        attempts[key]?.cancel()
                    case .armTimer(let wakeTarget):
                        timer?.cancel()
                        timer = Task { [clock] in
                            try? await clock.sleep(until: wakeTarget)
                            if !Task.isCancelled { continuation.yield(.wake) }
                        }
                    case .end(let ending, let releaseLease):
                        if releaseLease { try await self.releaseLease() }
                        return ending
                    }
                }
                guard let input = await inputsIterator.next() else { return await stop(attempts: attempts, state: core.state, wakeAt: core.nextWake) }
                let now = clock.now()
                switch input {
                case .attempt(let key, let attempt, let result):
                    attempts[key] = nil
                    switch result {
                    case .succeeded(let output, let verification, let removal):
                        decision = try core.attemptSucceeded(key, attempt: attempt, output: output, verification: verification, removal: removal, at: now)
                    case .suspended(let until): decision = try core.attemptSuspended(key, attempt: attempt, until: until, at: now)
                    case .openedTask(let task): decision = try core.attemptOpenedTask(key, attempt: attempt, task: task, at: now)
                    case .failed(let message, let retryable):
                        decision = try core.attemptFailed(key, attempt: attempt, message: message, retryable: retryable, at: now)
                    case .cancelled: decision = try core.attemptCancelled(key, attempt: attempt, at: now)
                    }
                    handled = []
                case .wake:
                    (decision, handled) = try await takeRequests(into: &core, first: try core.tick(at: now))
                case .leaseLost:
                    await Self.end(attempts)
                    attempts = [:]
                    return .leaseLost
                }
            }
        } catch where Task.isCancelled {
            return await stop(attempts: attempts, state: core.state, wakeAt: core.nextWake)
        }
    }

    /// The worker is shutting down: cancels the attempts in flight, waits until they have ended (a
    /// `command` child's process group is dead), and gives the lease back. Their results are not
    /// journaled, so the next worker finds them interrupted and runs them again with the same key.
    private func stop(attempts: [InstanceKey: Task<Void, Never>], state: RunState, wakeAt: Date?) async -> Ending {
        await Self.end(attempts)
        try? await releaseLease()
        return .parked(state, wakeAt: wakeAt)
    }

    /// Gives the run's lease back: the one place the driver does (a finished run's last journal write does it in the
    /// same transaction instead). In a fresh task: when the worker is stopping, this one is cancelled, and the store
    /// may refuse work from a cancelled task.
    private func releaseLease() async throws {
        let store = self.store, runID = self.runID, worker = context.configuration.workerID
        try await Task { try await store.release(runID, worker: worker, deferUntil: nil) }.value
    }

    /// Cancels the attempts in flight and waits until each has ended (a `command` child's process group is dead).
    private static func end(_ attempts: [InstanceKey: Task<Void, Never>]) async {
        attempts.values.forEach { $0.cancel() }
        for attempt in attempts.values { await attempt.value }
    }

    /// Ends the processes a previous holder's attempts left running on this machine (a worker killed, or paused
    /// past its lease, whose `command` child runs on), and waits until they are gone, so the step never runs
    /// twice at once. Processes on another machine cannot be reached from here; they are reported.
    private func endLeftoverProcesses() async {
        // Every attempt's children carry OFFBOARD_RUN_ID: those on this machine are found even unrecorded.
        let ended = await ProcessState.endAll(withEnvironment: "OFFBOARD_RUN_ID=\(runID)")
        if ended > 0 { context.logger.warning("run \(runID): ended \(ended) process(es) a previous holder's attempts left running") }
        guard let leftovers = try? await store.attemptProcesses(runID: runID), !leftovers.isEmpty else { return }
        let host = ProcessInfo.processInfo.hostName
        for process in leftovers where process.worker != context.configuration.workerID || !ProcessState.isAlive(process.pid) {
            if process.host == host {
                if ProcessState.isAlive(process.pid) {
                    context.logger.warning("run \(runID): ending process \(process.pid) of \(process.instance) attempt \(process.attempt), left by worker \(process.worker)")
                }
                let gone = await ProcessState.endGroup(leader: process.pid, startTicks: process.startTicks)
                if !gone { context.logger.error("run \(runID): process \(process.pid) of \(process.instance) did not end") }
            } else {
                context.logger.warning("run \(runID): \(process.instance) attempt \(process.attempt) may still run on \(process.host) (pid \(process.pid)); it cannot be ended from here")
            }
            try? await store.removeAttemptProcess(runID: runID, pid: process.pid)
        }
    }

    /// Applies requests made from outside (cancel, redrive, people's actions on tasks, a new leave
    /// time); a request that no longer applies is refused with its reason, recorded on the request.
    private func takeRequests(into core: inout RunCore, first: RunDecision, reading: Bool = true) async throws -> (RunDecision, [HandledRequest]) {
        var decision = first
        var handled: [HandledRequest] = []
        for request in reading ? try await store.pendingRequests(runID: runID) : [] {
            do {
                let next = try core.apply(request, at: clock.now())
                decision.events += next.events
                decision.attempts += next.attempts
                decision.cancelAttempts += next.cancelAttempts
                decision.nextWake = next.nextWake
                decision.state = next.state
                handled.append(HandledRequest(id: request.id))
            } catch {
                // Judged here, once: the answer its sender gets is this refusal, as it is (problems, remedy, and
                // whether a value was wrong), read back from the store. A refusal is an answer, not a fault: the log
                // says only that there was one (its words may quote what the person sent).
                context.logger.info("request \(request.id) (\(request.kind.rawValue)) for run \(runID) was refused")
                handled.append(HandledRequest(id: request.id, refusal: error as? RequestRefused ?? RequestRefused("\(error)")))
            }
        }
        return (decision, handled)
    }
}

/// A run that cannot be driven (missing, or its journal cannot be replayed).
struct DriverError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
