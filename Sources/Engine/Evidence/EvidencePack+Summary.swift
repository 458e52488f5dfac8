import Foundation
import Playbook

extension EvidencePack {
    /// What the pack shows first: how many systems had access removed, findings, and what people returned.
    public struct Summary: Sendable, Codable, Hashable {
        /// Access-removal steps by where they stand; every outcome is listed, zero or not.
        public var accessRemovals: [String: Int]
        /// The systems that had something removed, by label.
        public var systemsWithAccessRemoved: [String]
        /// Set when every access-removal step has ended and none of them removed anything: nothing was
        /// found to remove (a typo in an email, a missing database role). An auditor must look at this run.
        public var noAccessRemoved: Bool
        /// Open findings: a device recorded missing, a removal that failed, a deadline missed.
        public var findings: [String]
        /// For each task step with findings declared (devices to collect): how many came back without one.
        public var returns: [Returns]
        /// One sentence on access, for people.
        public var sentence: String

        enum CodingKeys: String, CodingKey {
            case findings, returns, sentence
            case accessRemovals = "access_removals", systemsWithAccessRemoved = "systems_with_access_removed", noAccessRemoved = "no_access_removed"
        }
    }

    /// The instances of one task step that can record a finding: `2 of 3 back, 1 finding, 0 open`.
    public struct Returns: Sendable, Codable, Hashable {
        public var step: String
        public var total: Int
        /// Completed with no finding (a device handed back in good or damaged condition).
        public var completedWithoutFinding: Int
        public var withFinding: Int
        /// Not completed (open, failed or cancelled).
        public var notCompleted: Int

        enum CodingKeys: String, CodingKey {
            case step, total
            case completedWithoutFinding = "completed_without_finding", withFinding = "with_finding", notCompleted = "not_completed"
        }
    }

    static func summarise(_ steps: [StepEvidence], missed: [MissedDeadline]) -> Summary {
        let removals = steps.filter(\.removesAccess)
        var counts = Dictionary(uniqueKeysWithValues: RemovalOutcome.allCases.map { ($0.rawValue, 0) })
        for step in removals { counts[(step.removal ?? .notRun).rawValue, default: 0] += 1 }
        let systems = removals.filter { $0.removal == .removed }.map { $0.removalReport?.system ?? $0.id }
        var uniqueSystems: [String] = []
        for system in systems where !uniqueSystems.contains(system) { uniqueSystems.append(system) }
        let allEnded = removals.allSatisfy { $0.removal != .notRun }
        let maybeRemoved = removals.contains { $0.removal == .absentOnRetry }
        let noneRemoved = !removals.isEmpty && allEnded && uniqueSystems.isEmpty && !maybeRemoved

        var findings: [String] = []
        if noneRemoved { findings.append("no access was found to remove: no access-removal step removed anything") }
        for step in removals where step.removal == .failed {
            findings.append("\(EvidenceWording.key(step)): access removal FAILED" + (step.error.map { ": \($0)" } ?? ""))
        }
        for step in removals where step.removal == .unreported {
            findings.append("\(EvidenceWording.key(step)): succeeded without saying what it removed")
        }
        for step in steps {
            for finding in step.task?.findings ?? [] { findings.append("\(EvidenceWording.key(step)): \(finding)") }
        }
        for miss in missed { findings.append("\(miss.item.map { "\(miss.step) [\($0)]" } ?? miss.step): deadline missed") }

        var returns: [Returns] = []
        for step in steps where step.task?.declaresFindings == true {
            if let index = returns.firstIndex(where: { $0.step == step.id }) {
                returns[index].add(step)
            } else {
                var entry = Returns(step: step.id, total: 0, completedWithoutFinding: 0, withFinding: 0, notCompleted: 0)
                entry.add(step)
                returns.append(entry)
            }
        }

        let total = removals.count
        let sentence: String
        if total == 0 {
            sentence = "No step of this playbook removes access."
        } else if noneRemoved {
            sentence = "NO ACCESS WAS FOUND TO REMOVE: none of the \(total) access-removal steps removed anything."
        } else {
            let absent = counts[RemovalOutcome.alreadyAbsent.rawValue] ?? 0, skipped = counts[RemovalOutcome.skipped.rawValue] ?? 0
            let failed = counts[RemovalOutcome.failed.rawValue] ?? 0, open = counts[RemovalOutcome.notRun.rawValue] ?? 0
            var parts = ["Access was removed from \(uniqueSystems.count) system\(uniqueSystems.count == 1 ? "" : "s")"
                         + (uniqueSystems.isEmpty ? "" : " (\(uniqueSystems.joined(separator: ", ")))")]
            if absent > 0 { parts.append("\(absent) had nothing to remove (already absent)") }
            let retried = counts[RemovalOutcome.absentOnRetry.rawValue] ?? 0
            if retried > 0 { parts.append("\(retried) found nothing left on a repeated attempt (an earlier attempt may have removed it)") }
            if skipped > 0 { parts.append("\(skipped) did not apply (skipped)") }
            if failed > 0 { parts.append("\(failed) FAILED") }
            if open > 0 { parts.append("\(open) not run yet") }
            sentence = parts.joined(separator: "; ") + "."
        }
        return Summary(accessRemovals: counts, systemsWithAccessRemoved: uniqueSystems, noAccessRemoved: noneRemoved, findings: findings,
                       returns: returns, sentence: sentence)
    }
}

extension EvidencePack.Returns {
    mutating func add(_ step: EvidencePack.StepEvidence) {
        total += 1
        if step.task?.findings.isEmpty == false { withFinding += 1 }
        else if step.state == "succeeded" { completedWithoutFinding += 1 }
        else { notCompleted += 1 }
    }

    /// "reclaim-devices: 2 of 3 completed without a finding, 1 with a finding, 0 not completed".
    public var sentence: String {
        "\(step): \(completedWithoutFinding) of \(total) completed without a finding, \(withFinding) with a finding, \(notCompleted) not completed"
    }
}
