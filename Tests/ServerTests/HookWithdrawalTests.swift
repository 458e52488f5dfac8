import Foundation
import HTTPTypes
import Testing

/// A withdrawn resignation or a rehire, in process: a run that has not acted is cancelled; one that has is reversed
/// only when the mapping allows it, and otherwise left for a person with what had not run cancelled.
@Suite(.serialized) struct HookWithdrawalTests {
    static let playbook = """
        playbook: acting
        version: 1
        inputs:
          employee_id: { type: string }
          leave_at: { type: datetime }
        leave_time: "{{ inputs.leave_at }}"
        steps:
          - id: note
            uses: log
            with: { message: "offboarding {{ inputs.employee_id }}" }
          - id: disable
            uses: command
            at: "{{ inputs.leave_at }}"
            with: { argv: [/bin/sh, -c, 'echo "disabled $0" >> DIR/actions', "{{ inputs.employee_id }}"] }
            compensate: { uses: command, with: { argv: [/bin/sh, -c, 'echo "restored $0" >> DIR/actions', "{{ inputs.employee_id }}"] } }
          - id: later
            uses: task
            needs: [disable]
            with: { assignee: it, title: "Collect the laptop of {{ inputs.employee_id }}" }
        """

    static func mapping(reverse: Bool) -> String {
        """
        hook: hr
        verify: { scheme: bearer, secret: "${secret:HR_TOKEN}" }
        employee: event.employee_id
        leaver:
          when: event.status == 'terminated'
          playbook: acting
          effective: event.leave_at
          inputs: { employee_id: "{{ event.employee_id }}", leave_at: "{{ event.leave_at }}" }
        withdrawn:
          when: event.status == 'active'
          reverse: \(reverse)
        """
    }

    static func server(reverse: Bool) async throws -> (InProcessServer, String) {
        let server = try InProcessServer(files: ["acting.yaml": playbook, "hr.hook.yaml": mapping(reverse: reverse)], secrets: ["HR_TOKEN": "t0k"])
        return (server, try await server.token(role: "operator", name: "ops"))
    }

    static func send(_ client: InProcessServer.Client, _ token: String, _ event: [String: String]) async throws -> (outcome: String, run: String?) {
        let answer = try await client.request(.post, "/v1/hooks/hr", json: event, headers: ["Authorization": "Bearer t0k"])
        try #require(answer.status == 202, "\(answer.text)")
        return try await InProcessServer.acted(client, token, answer)
    }

    @Test(.timeLimit(.minutes(2)))
    func aRunThatHasNotActedIsCancelled() async throws {
        let (server, token) = try await Self.server(reverse: true)
        let directory = server.directory
        try await server.serving { client in
            let started = try await Self.send(client, token, ["employee_id": "E5", "status": "terminated", "leave_at": "2030-01-01T09:00:00Z"])
            let run = try #require(started.run)
            let withdrawn = try await Self.send(client, token, ["employee_id": "E5", "status": "active"])
            #expect(withdrawn.outcome.contains("run \(run) cancelled before it acted"), "\(withdrawn.outcome)")
            #expect(try await InProcessServer.state(client, token, run, until: "cancelled") == "cancelled")
            #expect(!FileManager.default.fileExists(atPath: "\(directory)/actions"), "nothing was disabled")

            // Leaving again after all, on the same date: a new run, not the cancelled one.
            let again = try await Self.send(client, token, ["employee_id": "E5", "status": "terminated", "leave_at": "2030-01-01T09:00:00Z",
                                                            "sent_at": "2026-12-02T08:00:00Z"])
            let second = try #require(again.run, "\(again.outcome)")
            #expect(second != run && again.outcome.contains("started run \(second)"), "\(again.outcome)")
            #expect(try await InProcessServer.state(client, token, second) != "cancelled")
        }
    }

    @Test(.timeLimit(.minutes(2)), arguments: [true, false])
    func aRunThatHasActedIsReversedOnlyWhenTheMappingAllows(reverse: Bool) async throws {
        let (server, token) = try await Self.server(reverse: reverse)
        let directory = server.directory
        try await server.serving { client in
            let started = try await Self.send(client, token, ["employee_id": "E6", "status": "terminated", "leave_at": ISO8601DateFormatter().string(from: Date())])
            let run = try #require(started.run)
            for _ in 0..<1000 where !((try? String(contentsOfFile: "\(directory)/actions", encoding: .utf8)) ?? "").contains("disabled E6") {
                try await Task.sleep(nanoseconds: 10_000_000)
            }
            let withdrawn = try await Self.send(client, token, ["employee_id": "E6", "status": "active"])
            if reverse {
                #expect(withdrawn.outcome.contains("run \(run) had acted; its reversal has begun"), "\(withdrawn.outcome)")
                #expect(try await InProcessServer.state(client, token, run, until: "reversed") == "reversed")
                let actions = (try? String(contentsOfFile: "\(directory)/actions", encoding: .utf8)) ?? ""
                #expect(actions == "disabled E6\nrestored E6\n", "\(actions)")
            } else {
                #expect(withdrawn.outcome.contains("not reversed (withdrawn.reverse is false)"), "\(withdrawn.outcome)")
                #expect(try await InProcessServer.state(client, token, run, until: "cancelled") == "cancelled", "what had not run is cancelled")
                #expect(((try? String(contentsOfFile: "\(directory)/actions", encoding: .utf8)) ?? "") == "disabled E6\n", "nothing was undone")
            }
            let history = try await client.request(.get, "/v1/runs/\(run)/history", token: token).items.compactMap { $0["text"] as? String }
            #expect(history.contains { $0.hasPrefix("cancel requested by hook:hr") }, "\(history)")
        }
    }
}
