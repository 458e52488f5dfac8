import Foundation
import Playbook

/// Inputs that come from people: tasks opened, completed, approved or rejected, and a leave time
/// moved. Each checks everything before it records anything, so a refused action changes nothing.
extension RunCore {
    /// The handler opened a task (a `task` step): the step waits for a person.
    public mutating func attemptOpenedTask(_ key: InstanceKey, attempt: Int, task: TaskSpec, at now: Date) throws -> RunDecision {
        guard let record = instances[key], case .running(let current) = record.state, current == attempt else {
            throw RunTransitionError(description: "step \(key) of run \(runID) has no running attempt \(attempt)")
        }
        var decision = RunDecision()
        try self.record(.step(instance: key, event: .openTask(task)), into: &decision)
        try advance(at: now, into: &decision)
        return decision
    }

    /// The open task of `key`, or a refusal saying why there is none.
    public func openTask(_ key: InstanceKey) throws(RequestRefused) -> (InstanceRecord, TaskSpec) {
        guard let record = instances[key] else {
            // A fanned-out task named without its item: say which items there are, and how to name one.
            let items = (expansions[key.step] ?? []).compactMap(\.item)
            if key.item == nil, !items.isEmpty {
                let open = items.filter { instances[InstanceKey(step: key.step, item: $0)]?.state.isWithPerson == true }
                throw RequestRefused(.itemRequired, "task \(key.step) is done once per item; name the item: one of \(items.joined(separator: ", "))"
                                     + (open.isEmpty ? "" : " (waiting for a person: \(open.joined(separator: ", ")))"), field: "item", remedy: .nameTheItem(of: items))
            }
            let known = order.filter { instances[$0]?.task != nil }.map(\.description)
            let hint = Suggestion.closest(to: key.description, in: known).map { "; did you mean \($0)?" } ?? ""
            throw RequestRefused(.noSuchTask, "run \(runID) has no task \(key)\(hint)")
        }
        if case .waiting(let until) = record.state, until >= .distantFuture {
            throw RequestRefused(.taskState, "task \(key) was opened by an earlier version of offboard; a worker reopens it with its evidence fields "
                                    + "(once a worker drives the run again), then complete it")
        }
        guard let task = record.task else {
            throw RequestRefused(.noSuchTask, "step \(key) of run \(runID) is \(record.state.name), not a task waiting for a person")
        }
        return (record, task)
    }

    /// Checks a completion without recording it; returns the typed evidence.
    public func checkCompletion(_ key: InstanceKey, by: String, evidence: [String: String], at now: Date) throws(RequestRefused) -> [String: JSONValue] {
        let (record, task) = try openTask(key)
        switch record.state {
        case .awaitingPerson: break
        case .awaitingApproval, .succeeded:
            throw RequestRefused(.alreadyDone, "task \(key) was already completed by \(record.completion?.by ?? "someone"); nothing changed")
        case .pending, .scheduled, .running, .retrying, .waiting, .failed, .skipped, .cancelled:
            throw RequestRefused(.taskState, "task \(key) is \(record.state.name); it can no longer be completed")
        }
        try Self.requireName(by, what: "the person acting")
        try refuseLeaver(by, verb: "complete")
        return try task.typedEvidence(evidence, today: LocalDate(now, in: timeZone))
    }

    /// A person completed a task with its evidence. Without approvals the step succeeds now, with
    /// the evidence as its output.
    public mutating func completeTask(_ key: InstanceKey, by: String, evidence: [String: String], at now: Date) throws -> RunDecision {
        let typed = try checkCompletion(key, by: by, evidence: evidence, at: now)
        var decision = RunDecision()
        try recordMissedDeadlines(at: now, into: &decision)
        let completion = TaskCompletion(by: by, evidence: typed)
        try record(.step(instance: key, event: .complete(completion)), into: &decision)
        if let unmet = instances[key]?.task?.unmetExpectation(typed) {
            // Recorded as given, and the step fails: the run follows its on_failure.
            try record(.step(instance: key, event: .fail(message: unmet, retryable: false, retryAt: nil)), into: &decision)
        } else if (instances[key]?.task?.approvals?.required ?? 0) <= 0 {
            try record(.step(instance: key, event: .succeed(output: JSONValueBox(completion.evidenceObject))), into: &decision)
        }
        try advance(at: now, into: &decision)
        return decision
    }

    /// Checks an approval without recording it.
    public func checkApproval(_ key: InstanceKey, by: String, asApprover: String? = nil) throws(RequestRefused) {
        let (record, task) = try openTask(key)
        try Self.requireName(by, what: "the person acting")
        guard task.approvals != nil else { throw RequestRefused(.nothingToDo, "task \(key) needs no approval") }
        guard record.state == .awaitingApproval else {
            throw RequestRefused(.taskState, record.state == .awaitingPerson ? "task \(key) has not been completed yet; approve it once it is"
                                                                    : "task \(key) is \(record.state.name); nothing to approve")
        }
        try checkSignOff(record, task, key, by: by, asApprover: asApprover, verb: "approve")
    }

    /// Who may approve or reject a completed task: a named approver who has not approved it yet,
    /// neither its completer nor the leaver.
    private func checkSignOff(_ record: InstanceRecord, _ task: TaskSpec, _ key: InstanceKey, by: String, asApprover: String? = nil,
                              verb: String) throws(RequestRefused) {
        let rule = task.approvals ?? ApprovalRule(required: 0, approvers: [])
        let approver = asApprover ?? by
        let who = asApprover.map { "\(by) (for \($0))" } ?? by
        guard rule.approvers.contains(where: { Self.samePerson($0, approver) }) else {
            throw RequestRefused(.notPermitted, "\(who) is not an approver of task \(key) (approvers: \(rule.approvers.joined(separator: ", ")))")
        }
        if let completer = record.completion?.by, Self.samePerson(completer, by) || Self.samePerson(completer, approver) {
            throw RequestRefused(.notPermitted, "\(who) completed task \(key) and may not also \(verb) it")
        }
        try refuseLeaver(by, verb: verb)
        if record.approvals.contains(where: { Self.samePerson($0, approver) }) || record.approvingPeople.contains(where: { Self.samePerson($0, by) }) {
            throw RequestRefused(.alreadyDone, "\(who) has already approved task \(key); nothing changed")
        }
    }

    /// One approver signs a completed task off; with enough approvals the step succeeds.
    public mutating func approveTask(_ key: InstanceKey, by: String, asApprover: String? = nil, at now: Date) throws -> RunDecision {
        try checkApproval(key, by: by, asApprover: asApprover)
        var decision = RunDecision()
        try recordMissedDeadlines(at: now, into: &decision)
        try record(.step(instance: key, event: .approve(by: by, asApprover: asApprover)), into: &decision)
        let record = instances[key]!
        if record.approvals.count >= record.task?.approvals?.required ?? 0 {
            try self.record(.step(instance: key, event: .succeed(output: JSONValueBox(record.completion?.evidenceObject ?? .object([:])))),
                            into: &decision)
        }
        try advance(at: now, into: &decision)
        return decision
    }

    /// Checks a rejection without recording it. An open task may be declined by anyone but the leaver
    /// (recorded by name); a completed one only by an approver who is not its completer or the leaver.
    public func checkRejection(_ key: InstanceKey, by: String, asApprover: String? = nil, reason: String) throws(RequestRefused) {
        let (record, task) = try openTask(key)
        try Self.requireName(by, what: "the person acting")
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw RequestRefused(.invalidValue, "a rejection needs a reason", field: "reason") }
        switch record.state {
        case .awaitingPerson: try refuseLeaver(by, verb: "reject")
        case .awaitingApproval: try checkSignOff(record, task, key, by: by, asApprover: asApprover, verb: "reject")
        case .pending, .scheduled, .running, .retrying, .waiting, .succeeded, .failed, .skipped, .cancelled:
            throw RequestRefused(.taskState, "task \(key) is \(record.state.name); it can no longer be rejected")
        }
    }

    /// The task is rejected: the step fails (not retried) and the run follows its `on_failure`.
    public mutating func rejectTask(_ key: InstanceKey, by: String, asApprover: String? = nil, reason: String, at now: Date) throws -> RunDecision {
        try checkRejection(key, by: by, asApprover: asApprover, reason: reason)
        var decision = RunDecision()
        try recordMissedDeadlines(at: now, into: &decision)
        // A rejection ends the task: who rejected, and for which approver, is said in one name.
        try record(.step(instance: key, event: .reject(by: StepEvent.signer(by, for: asApprover), reason: reason)), into: &decision)
        try advance(at: now, into: &decision)
        return decision
    }

    /// Moves time inputs (the leave time) of a running run. Steps not started yet get their new
    /// start time, and every deadline is worked out again; a time brought forward to now acts at once.
    /// A time more than a minute before `pastBefore` (when the request was made) is refused unless
    /// `pastBefore` is nil (the person confirmed it, `--allow-past`), so a mistyped year cannot revoke access
    /// months early, or late, without anyone saying so.
    public mutating func reschedule(_ changes: [String: String], by: String, reason: String, at now: Date,
                                    pastBefore: Date? = nil) throws -> RunDecision {
        guard !state.isFinished else { throw RequestRefused(.runState, "run \(runID) is already \(state.rawValue); there is nothing to reschedule") }
        guard !changes.isEmpty else { throw RequestRefused(.invalidValue, "nothing to change: name at least one date or datetime input and its new value", field: "set") }
        var problems: [String] = []
        let timeInputs = playbook.inputs.filter { $0.type == .date || $0.type == .datetime }
        for (name, text) in changes.sorted(by: { $0.key < $1.key }) {
            guard let declaration = timeInputs.first(where: { $0.name == name }) else {
                let hint = Suggestion.closest(to: name, in: timeInputs.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
                problems.append("'\(name)' is not a date or datetime input of \(playbook.name)\(hint) (only times can be rescheduled)")
                continue
            }
            switch InputBinding.convert(text: text, to: declaration, timeZone: timeZone) {
            case .failure(let problem): problems.append("\(name): \(problem.message)")
            case .success(let value):
                let instant = value.instant(in: timeZone)
                if let instant, let reference = pastBefore, reference.timeIntervalSince(instant) > 60 {
                    let ago = PlaybookDuration(seconds: Int(reference.timeIntervalSince(instant).rounded())).roughly
                    problems.append("\(name): \(text) is \(ago) in the past; to act on it at once, allow a time in the past (the true time is kept), or write now")
                }
            }
        }
        if !problems.isEmpty {
            let past = problems.contains { $0.hasSuffix("or write now") }
            throw RequestRefused(past ? .timeInPast : .invalidValue, problems, field: changes.count == 1 ? changes.keys.first : nil,
                                 remedy: past ? .allowThePast : nil)
        }
        // Worked out on a copy: a change that cannot be applied leaves this run untouched.
        var next = self
        let decision = try next.applyReschedule(changes, by: by, reason: reason, at: now)
        self = next
        return decision
    }

    private mutating func applyReschedule(_ changes: [String: String], by: String, reason: String, at now: Date) throws -> RunDecision {
        var decision = RunDecision()
        try record(.rescheduled(changes: changes, by: by, reason: reason), into: &decision)
        for key in order {
            guard let record = instances[key], !record.state.isTerminal, let step = stepsByID[key.step] else { continue }
            do {
                let scope = evaluationScope(for: key, at: now)
                var readyAt = record.readyAt
                if case .scheduled(let old) = record.state {
                    let start = try startTime(of: step, scope: scope, now: now)
                    if start != old { try self.record(.step(instance: key, event: .reschedule(notBefore: start)), into: &decision) }
                    readyAt = start
                }
                guard let readyAt, !record.missedDeadline, let due = try deadline(of: step, readyAt: readyAt, scope: scope), due != record.deadline else { continue }
                try self.record(.deadlineSet(instance: key, due: due), into: &decision)
            } catch let failure as StepFailure {
                throw RequestRefused(.refused, "step \(key): \(failure.message)")
            }
        }
        try advance(at: now, into: &decision)
        return decision
    }

    /// The input by which `name` is the person the run is about, matched by any identifying input: each text or
    /// email input (employee id, name, email, user names such as a database role), an email's local part,
    /// and the person part of a `team:person` actor (`it:jryan`).
    func leaverInput(matching name: String) -> String? {
        var identities: [(input: String, value: String)] = []
        for input in playbook.inputs where input.type == .string || input.type == .email {
            guard case .string(let value)? = inputs[input.name], value.trimmingCharacters(in: .whitespaces).count >= 2 else { continue }
            identities.append((input.name, value))
            if input.type == .email, let local = value.split(separator: "@").first { identities.append((input.name, String(local))) }
        }
        var candidates = [name]
        if let person = name.split(separator: ":").last, person.count < name.count { candidates.append(String(person)) }
        if let address = Self.address(name) {
            candidates.append(address)
            if let local = address.split(separator: "@").first { candidates.append(String(local)) }
        }
        for candidate in candidates {
            if let match = identities.first(where: { Self.samePerson($0.value, candidate) }) { return match.input }
        }
        return nil
    }

    /// Refuses `by` when it matches the leaver: nobody the run is about may act on its tasks.
    func refuseLeaver(_ by: String, verb: String) throws(RequestRefused) {
        if let input = leaverInput(matching: by) {
            throw RequestRefused(.notPermitted, "\(by) matches the leaver's \(input): nobody this run is about may \(verb) its tasks")
        }
    }

    /// Equal ignoring case and runs of white space ("Jane  Ryan" is "jane ryan"). `Name <address>` (how a person
    /// signed in at the identity provider is journaled) is the person at that address, whatever the name says: two
    /// people of one name are two people, a renamed person is still the same one, and `jane@example.com` is them.
    public static func samePerson(_ a: String, _ b: String) -> Bool {
        func normal(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ").lowercased() }
        switch (address(a), address(b)) {
        case (let x?, let y?): return normal(x) == normal(y)
        case (let x?, nil): return normal(x) == normal(b)
        case (nil, let y?): return normal(a) == normal(y)
        case (nil, nil): return normal(a) == normal(b)
        }
    }

    /// The address in `Name <address>`, if the text has that form.
    static func address(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") else { return nil }
        let inner = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)].trimmingCharacters(in: .whitespaces)
        return inner.isEmpty ? nil : inner
    }

    static func requireName(_ name: String, what: String) throws(RequestRefused) {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw RequestRefused(.invalidValue, "\(what) must name a person", field: "by") }
    }
}
