import Foundation
import Playbook

/// What a run is, as its first journal entry records it: the playbook and its hash, who triggered it and
/// when, the leaver's zone and inputs (personal values as their tokens, like every journaled text). Chained
/// with the rest of the journal, so the run row (which a person with the database file can edit) is checked
/// against it by `offboard verify` and the evidence pack.
public struct RunStartFacts: Sendable, Hashable, Codable {
    public var playbook: String
    public var version: Int
    public var sha256: String
    public var triggeredBy: String
    public var triggeredAt: Date
    public var startKey: String?
    public var timeZone: String
    public var inputs: JSONValueBox

    enum CodingKeys: String, CodingKey {
        case playbook, version, sha256, inputs
        case triggeredBy = "triggered_by", triggeredAt = "triggered_at", startKey = "start_key", timeZone = "time_zone"
    }

    public init(_ stored: StoredRun) {
        let summary = stored.summary
        playbook = summary.playbookName
        version = summary.playbookVersion
        sha256 = summary.playbookSHA256
        triggeredBy = summary.createdBy
        triggeredAt = RunCore.milliseconds(summary.createdAt)
        startKey = summary.startKey
        timeZone = stored.timeZone
        inputs = JSONValueBox(stored.inputs)
    }

    /// Where the run row disagrees with these facts (and the state the journal replays to), one line each.
    /// Personal inputs are not compared: the journal holds their tokens, and a purge removes them from the row.
    public func disagreements(with stored: StoredRun, replayedState: RunState, personal: Set<String>) -> [String] {
        let now = RunStartFacts(stored)
        var problems: [String] = []
        func check(_ field: String, _ journal: String, _ row: String) {
            if journal != row { problems.append("the run row's \(field) is '\(row)', but the journal recorded '\(journal)'") }
        }
        check("playbook", "\(playbook) v\(version)", "\(now.playbook) v\(now.version)")
        check("playbook_sha256", sha256, now.sha256)
        check("created_by", triggeredBy, now.triggeredBy)
        check("created_at", DateText.iso8601(triggeredAt, fractionalSeconds: true), DateText.iso8601(now.triggeredAt, fractionalSeconds: true))
        check("start_key", startKey ?? "none", now.startKey ?? "none")
        check("time_zone", timeZone, now.timeZone)
        if case .object(let recorded) = inputs.value, case .object(let row) = now.inputs.value {
            for name in Set(recorded.keys).union(row.keys).sorted() where !personal.contains(name) && recorded[name] != row[name] {
                let shown = { (value: JSONValue?) in value.map { String(decoding: $0.canonicalData(), as: UTF8.self) } ?? "absent" }
                problems.append("the run row's input \(name) is \(shown(row[name])), but the journal recorded \(shown(recorded[name]))")
            }
        }
        // `waiting` is the row's word for a running run released until its next timer; finished states must agree.
        let inProgress: Set<RunState> = [.running, .waiting]
        if stored.summary.state != replayedState, !(inProgress.contains(stored.summary.state) && inProgress.contains(replayedState)) {
            problems.append("the run row's state is '\(stored.summary.state.rawValue)', but the journal replays to '\(replayedState.rawValue)'")
        }
        return problems
    }
}

extension RunCore {
    /// Where the run row disagrees with its chained journal (its `run.started` facts and the state the journal
    /// replays to); nil when the journal has not started, or was written before start facts were recorded.
    public static func rowDisagreements(_ stored: StoredRun, playbook: Playbook) throws -> [String]? {
        let core = try replaying(stored, playbook: playbook)
        guard let facts = core.recordedStartFacts else { return nil }
        let personal = Set(playbook.inputs.filter(\.personal).map(\.name))
        return facts.disagreements(with: stored, replayedState: core.state, personal: personal)
    }
}
