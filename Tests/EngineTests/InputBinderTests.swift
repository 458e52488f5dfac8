import Engine
import Foundation
import Playbook
import Testing

@Suite struct InputBinderTests {
    func errors(_ playbook: Playbook, record: String? = nil, set: [(String, String)] = []) -> [String] {
        do {
            _ = try InputBinder.bind(playbook, record: record.map { EngineFixtures.record($0) }, overrides: set.map { (name: $0.0, value: $0.1) })
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func bindsTheSampleRecordWithDefaults() throws {
        let playbook = try EngineFixtures.shipped("standard-leaver")
        let inputs = try InputBinder.bind(playbook, record: EngineFixtures.sample("jryan"), overrides: [])
        #expect(inputs.values["immediate"] == .bool(false))
        #expect(inputs.values["leave_at"] == .datetime(EngineFixtures.date("2026-12-04T17:30:00Z")))
        #expect(inputs.timeZone.identifier == "Europe/London")
        #expect(inputs.warnings.isEmpty)
    }

    @Test func everyProblemIsReportedWithItsField() throws {
        let playbook = try EngineFixtures.shipped("standard-leaver")
        let record = """
            {"employee_id": 10442, "email": "not-an-email", "leave_at": "next friday",
             "timezone": "Mars/Base", "immediate": "yes", "devices": {"a": 1}, "department": "sales"}
            """
        #expect(errors(playbook, record: record) == [
            "record.json:1:1: error: missing required input 'full_name' (string): the leaver's name, for tasks",
            "record.json:1:17: error: input 'employee_id': expected a string, got an integer",
            "record.json:1:33: error: input 'email': expected an email address",
            "record.json:1:61: error: input 'leave_at': expected a date-time with a UTC offset such as 2026-12-04T17:30:00Z or 2026-12-04T17:30:00+01:00",
            "record.json:2:14: error: input 'timezone': expected a time zone name (IANA names such as Europe/London or UTC)",
            "record.json:2:40: error: input 'immediate': expected true or false, got a string",
            "record.json:2:58: error: input 'devices': expected a list, got a mapping",
            "record.json:2:68: warning: field 'department' is not an input of standard-leaver and is ignored",
        ])
    }

    @Test func setOverridesTheRecordAndConvertsText() throws {
        let playbook = try EngineFixtures.shipped("immediate-leaver")
        let inputs = try InputBinder.bind(playbook, record: EngineFixtures.sample("mholt-immediate"), overrides: [
            ("devices", #"[{"asset_tag": "X-1", "type": "tablet"}]"#), ("immediate", "false"), ("reason", "dismissal"),
        ])
        #expect(inputs.values["devices"] == .list([.object(["asset_tag": .string("X-1"), "type": .string("tablet")])]))
        #expect(inputs.values["immediate"] == .bool(false))
        #expect(inputs.values["reason"] == .string("dismissal"))
    }

    @Test func unknownSetNamesAndBadValuesAreErrors() throws {
        let playbook = try EngineFixtures.shipped("immediate-leaver")
        #expect(errors(playbook, record: nil, set: [("emial", "x@y.z"), ("reason", "bored"), ("immediate", "maybe")]) == [
            "error: override emial: immediate-leaver has no input 'emial'; did you mean 'email'?",
            "error: missing required input 'employee_id' (string): HR employee number",
            "error: missing required input 'full_name' (string): the leaver's name, for tasks",
            "error: missing required input 'email' (email): the leaver's work email, also their identity-provider userName",
            "error: input 'immediate' (from override): expected true or false",
            "error: input 'reason' (from override): expected one of competitor, dismissal, security-concern, other",
            "error: missing required input 'leave_at' (datetime): when the leaver's access must end",
        ])
    }

    @Test func aDatetimeWithoutOffsetIsReadInTheLeaversZone() throws {
        let playbook = try EngineFixtures.shipped("immediate-leaver")
        let inputs = try InputBinder.bind(playbook, record: EngineFixtures.sample("mholt-immediate"), overrides: [])
        // 12:00 in Berlin in November is 11:00 UTC.
        #expect(inputs.values["leave_at"] == .datetime(EngineFixtures.date("2026-11-23T11:00:00Z")))
    }

    @Test func requiredInputsMayNotBeNull() throws {
        let playbook = try EngineFixtures.shipped("contractor-end")
        let record = #"{"employee_id": "C1", "full_name": "A", "email": "a@b.co", "leave_at": "2026-12-01T00:00:00Z", "agency": null}"#
        #expect(errors(playbook, record: record) == ["record.json:1:106: error: input 'agency' is required and may not be null"])
    }

    @Test func aRecordMustBeAnObject() throws {
        let playbook = try EngineFixtures.shipped("base")
        #expect(errors(playbook, record: "[1, 2]").first == "record.json:1:1: error: a leaver record is a JSON object of input names to values, not a list")
    }

    @Test func impossibleDatesAreRefusedNamingTheFieldAndNothingIsNormalised() throws {
        let playbook = try EngineFixtures.shipped("standard-leaver")
        #expect(errors(playbook, record: nil, set: [("employee_id", "E1"), ("full_name", "A B"), ("email", "a@b.co"), ("leave_at", "2026-04-31T17:30:00Z")])
                == ["error: input 'leave_at' (from override): not a valid date-time: April 2026 has 30 days, not 31"])
        #expect(errors(playbook, record: nil, set: [("employee_id", "E1"), ("full_name", "A B"), ("email", "a@b.co"), ("leave_at", "2026-12-04T17:30:00\u{0312}Z")])
                .first?.hasPrefix("error: input 'leave_at' (from override): expected a date-time") == true)
    }

    @Test func nowIsAcceptedAndALateLeaveTimeIsWarnedAbout() throws {
        let playbook = try EngineFixtures.shipped("standard-leaver")
        let now = EngineFixtures.date("2026-12-07T09:00:00Z")
        let base = [("employee_id", "E1"), ("full_name", "A B"), ("email", "a@b.co")].map { (name: $0.0, value: $0.1) }
        let immediate = try InputBinder.bind(playbook, record: nil, overrides: base + [(name: "leave_at", value: "now")], now: now)
        #expect(immediate.values["leave_at"] == .datetime(now))
        #expect(immediate.warnings.isEmpty)
        let late = try InputBinder.bind(playbook, record: nil, overrides: base + [(name: "leave_at", value: "2026-12-04T17:30:00Z")], now: now)
        #expect(late.warnings.map(\.description) == ["warning: the leave time 2026-12-04T17:30:00Z was 2d15h ago: steps timed from it act at once"])
        // Without a moment to compare with (a stored run read back), "now" is not a time.
        #expect(errors(playbook, record: nil, set: base.map { ($0.name, $0.value) } + [("leave_at", "now")]).count == 1)
    }

    @Test func theAutumnOverlapIsResolvedEarlierWithAWarningAndTheGapRefused() throws {
        let playbook = try EngineFixtures.shipped("standard-leaver")
        let base = [("employee_id", "E1"), ("full_name", "A B"), ("email", "a@b.co")].map { (name: $0.0, value: $0.1) }
        let inputs = try InputBinder.bind(playbook, record: nil, overrides: base + [(name: "leave_at", value: "2026-10-25T01:30:00")])
        #expect(inputs.values["leave_at"] == .datetime(EngineFixtures.date("2026-10-25T00:30:00Z")))
        #expect(inputs.warnings.map(\.description) == [
            "warning: input 'leave_at' (from override): 2026-10-25T01:30:00 occurs twice in Europe/London (the clocks go back); the earlier, 2026-10-25T01:30:00+01:00, was taken",
        ])
        #expect(errors(playbook, record: nil, set: base.map { ($0.name, $0.value) } + [("leave_at", "2027-03-28T01:30:00")]) == [
            "error: input 'leave_at' (from override): a local time that does not exist in Europe/London: the clocks go forward there from +00:00 to +01:00 (write the offset, or a time outside the gap)",
        ])
    }
}

/// A string input is one line: an employee id with a line feed would forge lines in a plan, a status or a log.
@Suite struct OneLineInputTests {
    @Test(arguments: ["E-4411\n# forged heading", "E-4411\r", "E\u{0}1", "E\u{2028}1", "E\u{85}1"])
    func aLineBreakOrControlCharacterInAStringInputIsRefusedWithoutEchoingIt(_ value: String) throws {
        let playbook = try EngineFixtures.playbook("""
            playbook: one-line
            version: 1
            inputs:
              employee_id: { type: string, required: true }
            steps:
              - { id: a, uses: log, with: { message: "{{ inputs.employee_id }}" } }
            """)
        do {
            _ = try InputBinder.bind(playbook, record: nil, overrides: [(name: "employee_id", value: value)])
            Issue.record("a value with a control character was accepted")
        } catch {
            #expect(error.diagnostics.map(\.message) == ["input 'employee_id' (from override): expected one line of text, without line breaks or other control characters"])
            #expect(!"\(error)".contains("forged"))
        }
        // A tab is text.
        _ = try InputBinder.bind(playbook, record: nil, overrides: [(name: "employee_id", value: "E\t1")])
    }
}
