import Engine
import Foundation
import Playbook
import Testing

@Suite struct PlannerTests {
    let now = EngineFixtures.date("2026-11-23T10:00:00Z")

    func plan(_ playbook: Playbook, _ record: YAMLNode?, set: [(String, String)] = [], now: Date? = nil) async throws -> Plan {
        let inputs = try InputBinder.bind(playbook, record: record, overrides: set.map { (name: $0.0, value: $0.1) })
        return await Planner(registry: EngineFixtures.registry).plan(playbook, inputs: inputs, now: now ?? self.now)
    }

    @Test func standardLeaverActsAtTheLeaveTime() async throws {
        let plan = try await plan(try EngineFixtures.shipped("standard-leaver"), EngineFixtures.sample("jryan"))
        #expect(plan.problems.isEmpty)
        #expect(plan.leaveTime?.utc == "2026-12-04T17:30:00Z")
        let runnable = plan.runnableSteps
        #expect(runnable.map { step in step.item.map { "\(step.id)[\($0)]" } ?? step.id } == [
            "record-schedule", "revoke-crm-database", "deactivate-identity", "notify-service-desk",
            "reclaim-devices[LT-20931]", "reclaim-devices[PH-5512]", "destroy-hard-copies", "confirm-with-manager",
        ])
        #expect(runnable.map(\.order) == Array(1...8).map(Optional.some))
        let revoke = try #require(runnable.first { $0.id == "revoke-crm-database" })
        #expect(revoke.notBefore?.relative == "at the leave time")
        #expect(revoke.notBefore?.local == "Fri 2026-12-04 17:30 GMT")
        #expect(revoke.deadline?.utc == "2026-12-04T18:30:00Z")
        #expect(revoke.parameters == .object(["connection": "${secret:CRM_DB_URL}", "role": "jryan", "terminate_sessions": true, "revoke_memberships": "all"]))
        #expect(revoke.action?.summary == "disable login of role \"jryan\", revoke all its role memberships and end its open sessions")
        #expect(runnable.first?.notBefore?.immediate == true)
        #expect(plan.secrets == ["CRM_DB_URL", "IDP_SCIM_TOKEN", "IDP_SCIM_URL", "SECURITY_WEBHOOK", "SERVICE_DESK_WEBHOOK"])
        let laptop = try #require(runnable.first { $0.item == "LT-20931" })
        #expect(laptop.deadline?.relative == "leave time + 5d")
        if case .object(let parameters)? = laptop.parameters {
            #expect(parameters["title"] == "Collect laptop LT-20931 from Jordan Ryan")
        }
    }

    @Test(arguments: [("base", "jryan"), ("standard-leaver", "jryan"), ("immediate-leaver", "mholt-immediate"),
                      ("contractor-end", "contractor-akhan"), ("acme-leaver", "jryan"), ("quickstart-leaver", "jryan")])
    func everyShippedPlaybookPlansForItsSample(_ playbook: String, _ sample: String) async throws {
        let plan = try await plan(try EngineFixtures.shipped(playbook), EngineFixtures.sample(sample))
        #expect(plan.problems.isEmpty, "\(plan.problems)")
        #expect(plan.warnings.isEmpty, "\(plan.warnings)")
        #expect(!plan.runnableSteps.isEmpty)
        #expect(plan.runnableSteps.allSatisfy { $0.action != nil && $0.notBefore != nil })
    }

    @Test func anImmediateLeaverIsActedOnNow() async throws {
        let plan = try await plan(try EngineFixtures.shipped("immediate-leaver"), EngineFixtures.sample("mholt-immediate"),
                                  now: EngineFixtures.date("2026-11-23T11:05:00Z"))
        let first = try #require(plan.runnableSteps.first)
        #expect(first.id == "revoke-crm-database")
        #expect(first.notBefore?.immediate == true)
        #expect(first.notBefore?.relative == "leave time + 5m")
        #expect(plan.timeZone == "Europe/Berlin")
        let fallback = try #require(plan.steps.first { $0.id == "escalate-to-security" })
        #expect(fallback.status == .onFailure)
        #expect(fallback.reason == "runs only if revoke-crm-database or deactivate-identity or revoke-vpn fails")
    }

    @Test func skippedStepsSayWhy() async throws {
        let record = #"{"employee_id": "E1", "full_name": "A B", "email": "a@b.co", "leave_at": "2026-12-04T17:30:00Z", "devices": []}"#
        let plan = try await plan(try EngineFixtures.shipped("standard-leaver"), EngineFixtures.record(record))
        let skipped = plan.steps.filter { $0.status == .skip }
        #expect(skipped.map(\.id) == ["revoke-crm-database", "reclaim-devices"])
        #expect(skipped.map(\.reason) == ["when: inputs.db_role != null is false", "for_each: inputs.devices is empty"])
        // A skipped step still counts as done for the steps that need it.
        #expect(plan.runnableSteps.contains { $0.id == "destroy-hard-copies" })
    }

    @Test func outputsOfEarlierStepsAreShownAsPlaceholders() async throws {
        let playbook = try EngineFixtures.playbook("""
            playbook: lookups
            version: 1
            inputs: { user: { type: string, required: true } }
            steps:
              - { id: find, uses: command, with: { argv: [lookup, "{{ inputs.user }}"] } }
              - id: disable
                uses: log
                needs: [find]
                when: steps.find.output.active == true
                with: { message: "disable {{ steps.find.output.id }} for {{ inputs.user }}" }
              - id: each
                uses: log
                needs: [find]
                for_each: steps.find.output.groups
                with: { message: "{{ item }}" }
            """)
        let plan = try await plan(playbook, nil, set: [("user", "jryan")])
        let disable = try #require(plan.steps.first { $0.id == "disable" })
        #expect(disable.status == .conditional)
        #expect(disable.reason == "runs only if steps.find.output.active == true (known while the run executes)")
        #expect(disable.parameters == .object(["message": "disable {{ steps.find.output.id }} for jryan"]))
        let each = try #require(plan.steps.first { $0.id == "each" })
        #expect(each.reason == "fans out over steps.find.output.groups, known only while the run executes")
    }

    @Test func aTemplateWithNoValueIsAProblemNotAnEmptyString() async throws {
        let playbook = try EngineFixtures.playbook("""
            playbook: gaps
            version: 1
            inputs: { role: { type: string } }
            steps:
              - { id: tell, uses: log, with: { message: "role {{ inputs.role }}" } }
            """)
        let plan = try await plan(playbook, nil)
        #expect(plan.steps.first?.status == .error)
        #expect(plan.problems.map(\.message) == ["step 'tell': with: 'inputs.role' has no value, and a template never renders a missing value as empty text"])
        #expect(plan.problems.first?.location?.line == 5)
    }

    @Test func stepsAreOrderedByTimeThenDependencies() async throws {
        let playbook = try EngineFixtures.playbook("""
            playbook: timing
            version: 1
            inputs: { leave_at: { type: datetime, required: true } }
            leave_time: inputs.leave_at
            steps:
              - { id: later, uses: log, at: "{{ inputs.leave_at + 2d }}", with: { message: a } }
              - { id: before, uses: log, at: "{{ inputs.leave_at - 1h }}", with: { message: b } }
              - { id: after-before, uses: log, needs: [before], after: 30m, with: { message: c } }
              - { id: soon, uses: wait, with: { for: 1h } }
            """)
        let plan = try await plan(playbook, nil, set: [("leave_at", "2026-12-04T17:30:00Z")])
        #expect(plan.runnableSteps.map(\.id) == ["soon", "before", "after-before", "later"])
        #expect(plan.runnableSteps.map { $0.notBefore?.relative } == [
            "11d7h30m before the leave time", "1h before the leave time",
            "30m before the leave time", "leave time + 2d",
        ])
    }

    @Test func thePlanIsEncodableAsJSON() async throws {
        let plan = try await plan(try EngineFixtures.shipped("acme-leaver"), EngineFixtures.sample("jryan"))
        let data = try JSONEncoder().encode(plan)
        let decoded = try JSONDecoder().decode(JSONValue.self, from: data)
        guard case .object(let fields) = decoded, case .array(let steps)? = fields["steps"] else {
            Issue.record("not an object with steps")
            return
        }
        #expect(steps.count == 11)
        #expect(!String(decoding: data, as: UTF8.self).contains("hunter2"))
    }
}
