import Foundation
import Playbook

/// What the core asks of a run's instances at every decision, kept in step with each change so a decision costs what
/// changed, not the size of the run: which instances wait to be scheduled, which may start and when, which timers and
/// deadlines come next, how many run, how many of a step are still open, and what expressions see of finished steps.
///
/// It is derived data: `RunCore` feeds it every record it stores or drops (`InstanceIndex.replace`), in journal
/// order, so a replayed core and the core that decided the events hold the same index.
struct InstanceIndex: Sendable, Equatable {
    /// Creation order: instances are visited in the order they were made, as the journal made them.
    private var nextSequence = 0
    private var sequence: [InstanceKey: Int] = [:]

    /// Pending instances, by creation.
    private(set) var pending = KeyQueue()
    /// Scheduled or retrying instances (waiting to start), by creation and by time.
    private(set) var startable = KeyQueue()
    private(set) var startTimes = TimedKeys()
    /// Waiting instances (a `wait` step's timer), by time.
    private(set) var timers = TimedKeys()
    /// Deadlines of instances not done and not yet missed, by time.
    private(set) var deadlines = TimedKeys()
    /// Instances with an attempt running.
    private(set) var running = 0
    /// Instances not finished, in all and by step.
    private(set) var open = 0
    private(set) var openByStep: [String: Int] = [:]
    /// Instances failed or cancelled, by step (what stops the steps that need it).
    private(set) var stoppedByStep: [String: Int] = [:]
    /// Outputs of finished steps, as expressions see them (`steps.ID.output`).
    private(set) var outputs: [String: Value] = [:]
    /// Where each single-instance step stands as an access removal (`steps.ID.removal`).
    private(set) var removals: [String: String] = [:]

    /// Steps whose instances changed: the steps that need them may have become ready. A note for the next decision,
    /// emptied by it, so not part of what two indexes are compared by.
    private(set) var touchedSteps: Set<String> = []

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.nextSequence == rhs.nextSequence && lhs.sequence == rhs.sequence && lhs.pending == rhs.pending && lhs.startable == rhs.startable
            && lhs.startTimes == rhs.startTimes && lhs.timers == rhs.timers && lhs.deadlines == rhs.deadlines && lhs.running == rhs.running
            && lhs.open == rhs.open && lhs.openByStep == rhs.openByStep && lhs.stoppedByStep == rhs.stoppedByStep && lhs.outputs == rhs.outputs
            && lhs.removals == rhs.removals
    }

    /// Takes `old` out of the index and puts `new` in (either may be nil: a record made, or dropped).
    mutating func replace(_ old: InstanceRecord?, with new: InstanceRecord?) {
        guard let key = old?.key ?? new?.key else { return }
        let number: Int
        if let known = sequence[key] {
            number = known
        } else {
            number = nextSequence
            nextSequence += 1
            sequence[key] = number
        }
        if let old { remove(old, number: number) }
        if let new {
            add(new, number: number)
        } else {
            sequence[key] = nil
        }
        if old?.state.isTerminal != new?.state.isTerminal || old == nil || new == nil { touchedSteps.insert(key.step) }
        updateOutputs(key, new)
    }

    /// The steps touched since the last call, emptied.
    mutating func takeTouchedSteps() -> Set<String> {
        defer { touchedSteps = [] }
        return touchedSteps
    }

    /// A step expanded with fan-out items shows its outputs as an object by item, empty until one succeeds.
    mutating func noteFanOut(_ step: String) {
        if outputs[step] == nil { outputs[step] = .object([:]) }
    }

    /// A step cleared by a redrive shows nothing until it runs again.
    mutating func forgetStep(_ step: String) {
        outputs[step] = nil
        removals[step] = nil
    }

    private mutating func add(_ record: InstanceRecord, number: Int) {
        let key = record.key
        switch record.state {
        case .pending: pending.insert(key, number)
        case .scheduled(let date), .retrying(_, let date):
            startable.insert(key, number)
            startTimes.insert(key, number, date)
        case .waiting(let until): timers.insert(key, number, until)
        case .running: running += 1
        case .awaitingPerson, .awaitingApproval, .succeeded, .failed, .skipped, .cancelled: break
        }
        if !record.state.isTerminal {
            open += 1
            openByStep[key.step, default: 0] += 1
            if let due = record.deadline, !record.missedDeadline { deadlines.insert(key, number, due) }
        }
        if record.state == .failed || record.state == .cancelled { stoppedByStep[key.step, default: 0] += 1 }
    }

    private mutating func remove(_ record: InstanceRecord, number: Int) {
        let key = record.key
        switch record.state {
        case .pending: pending.remove(number)
        case .scheduled(let date), .retrying(_, let date):
            startable.remove(number)
            startTimes.remove(number, date)
        case .waiting(let until): timers.remove(number, until)
        case .running: running -= 1
        case .awaitingPerson, .awaitingApproval, .succeeded, .failed, .skipped, .cancelled: break
        }
        if !record.state.isTerminal {
            open -= 1
            openByStep[key.step, default: 0] -= 1
            if let due = record.deadline, !record.missedDeadline { deadlines.remove(number, due) }
        }
        if record.state == .failed || record.state == .cancelled { stoppedByStep[key.step, default: 0] -= 1 }
    }

    /// A step with one instance and no item shows that instance's output and removal; a fan-out (or escalation) step
    /// shows an object of its items' outputs.
    private mutating func updateOutputs(_ key: InstanceKey, _ record: InstanceRecord?) {
        guard let item = key.item else {
            outputs[key.step] = record?.output.map(Value.init)
            removals[key.step] = record?.removalOutcome.rawValue
            return
        }
        var byItem: [String: Value] = [:]
        // Taken out of the dictionary first, so the object is changed in place rather than copied.
        if case .object(let existing)? = outputs.removeValue(forKey: key.step) { byItem = existing }
        byItem[item] = record?.output.map(Value.init)
        outputs[key.step] = .object(byItem)
    }
}

/// Instance keys ordered by creation.
struct KeyQueue: Sendable, Hashable {
    struct Entry: Sendable, Hashable {
        var number: Int
        var key: InstanceKey
    }

    private(set) var entries: [Entry] = []

    var count: Int { entries.count }
    var keys: [InstanceKey] { entries.map(\.key) }

    mutating func insert(_ key: InstanceKey, _ number: Int) {
        let index = position(number)
        entries.insert(Entry(number: number, key: key), at: index)
    }

    mutating func remove(_ number: Int) {
        let index = position(number)
        if index < entries.count, entries[index].number == number { entries.remove(at: index) }
    }

    private func position(_ number: Int) -> Int {
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].number < number { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// Instance keys ordered by a time, then by creation.
struct TimedKeys: Sendable, Hashable {
    struct Entry: Sendable, Hashable {
        var date: Date
        var number: Int
        var key: InstanceKey
    }

    private(set) var entries: [Entry] = []

    var first: Date? { entries.first?.date }

    /// The keys due at `now`, in creation order.
    func due(at now: Date) -> [InstanceKey] {
        entries.prefix { $0.date <= now }.sorted { $0.number < $1.number }.map(\.key)
    }

    mutating func insert(_ key: InstanceKey, _ number: Int, _ date: Date) {
        entries.insert(Entry(date: date, number: number, key: key), at: position(date, number))
    }

    mutating func remove(_ number: Int, _ date: Date) {
        let index = position(date, number)
        if index < entries.count, entries[index].number == number, entries[index].date == date { entries.remove(at: index) }
    }

    private func position(_ date: Date, _ number: Int) -> Int {
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            let entry = entries[middle]
            if entry.date < date || (entry.date == date && entry.number < number) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
