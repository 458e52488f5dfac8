import Foundation
import HTTPTypes
import OffboardRuntime
import OffboardServer
import Playbook
import Testing

/// A request a run refuses is answered with the judgement the run made where it would have applied it: the kind of
/// refusal as a code (the same list the OpenAPI document gives), the field it concerns, and the facts in words.
@Suite struct RefusalTests {
    static let playbook = """
        playbook: refusals
        version: 1
        inputs:
          employee_id: { type: string }
        steps:
          - id: collect
            uses: task
            for_each: "['LT-1', 'PH-2']"
            with:
              assignee: it
              title: "Collect {{ item }}"
              evidence: [{ name: condition, type: enum, values: [good, missing] }]
        """

    @Test func theCodeAndTheFieldComeWithTheWords() async throws {
        let server = try InProcessServer(files: ["refusals.yaml": Self.playbook])
        let ops = try await server.token(role: "operator", name: "ops")
        try await server.serving { client in
            let started = try await client.request(.post, "/v1/runs", token: ops, json: ["playbook": "refusals", "inputs": ["employee_id": "E1"]])
            let run = try #require(started.json["id"] as? String, "\(started.text)")
            var open = false
            for _ in 0..<400 where !open {
                let steps = try await client.request(.get, "/v1/runs/\(run)", token: ops).json["steps"] as? [[String: Any]] ?? []
                open = steps.filter { $0["state"] as? String == "awaiting-person" }.count == 2
                if !open { try await Task.sleep(nanoseconds: 10_000_000) }
            }
            try #require(open, "both tasks open")

            let unnamed = try await client.request(.post, "/v1/runs/\(run)/tasks/collect/complete", token: ops, json: ["evidence": ["condition": "good"]])
            #expect(unnamed.status == 409 && unnamed.json["code"] as? String == "item-required" && unnamed.json["field"] as? String == "item", "\(unnamed.text)")
            let wrong = try await client.request(.post, "/v1/runs/\(run)/tasks/collect/complete", token: ops,
                                                 json: ["item": "LT-1", "evidence": ["condition": "lost"]])
            #expect(wrong.status == 422 && wrong.json["code"] as? String == "invalid-value" && wrong.json["field"] as? String == "evidence", "\(wrong.text)")
            let early = try await client.request(.post, "/v1/runs/\(run)/reverse", token: ops, json: ["reason": "rehired"])
            #expect(early.status == 409 && early.json["code"] as? String == "run-state" && early.json["run"] as? String == run, "\(early.text)")
            #expect((early.json["detail"] as? String)?.contains("cancel it first, then reverse it") == true, "\(early.text)")
        }
    }

    /// The codes the document lists are the engine's, in both directions.
    @Test func theDocumentListsEveryCode() throws {
        let path = "\(InProcessServer.repositoryRoot)/openapi.yaml"
        let root = try #require(YAMLComposer.compose(Array(try Data(contentsOf: URL(fileURLWithPath: path))), file: path).root)
        let listed = root["components"]?["schemas"]?["Problem"]?["properties"]?["code"]?["enum"]?.sequence?.compactMap(\.string) ?? []
        #expect(Set(listed) == Set(RequestRefused.Code.allCases.map(\.rawValue)), "\(listed)")
    }
}
