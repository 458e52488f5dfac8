import Engine
import Foundation
import Handlers
import Playbook
import SQLiteStore
import TestServerSupport
import Testing

/// Reversing a run against the real SCIM server: the identity deactivated by the run is active
/// again after its compensation (the shipped base playbook's PATCH), and the run ends `reversed`.
@Suite struct ReversalEndToEndTests {
    @Test func aRehiredPersonsIdentityIsActiveAgain() async throws {
        let email = "rehire-\(UUID().uuidString.prefix(6))@example.com"
        let id = try await TestServers.createSCIMUser(email)
        let (url, token) = try TestServers.scim()
        let run = try PlaybookRun("""
            playbook: rehire
            version: 1
            inputs: { email: { type: email, required: true, personal: true } }
            steps:
              - id: deactivate-identity
                uses: scim.deactivate
                with: { base_url: "${secret:IDP_SCIM_URL}", token: "${secret:IDP_SCIM_TOKEN}", user_name: "{{ inputs.email }}" }
                compensate:
                  uses: http
                  with:
                    method: PATCH
                    url: "${secret:IDP_SCIM_URL}/Users/{{ steps.deactivate-identity.output.id }}"
                    headers: { Authorization: "Bearer ${secret:IDP_SCIM_TOKEN}", Content-Type: application/scim+json }
                    body:
                      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]
                      Operations: [{ op: replace, value: { active: true } }]
            """, secrets: ["IDP_SCIM_URL": url, "IDP_SCIM_TOKEN": token])
        let report = try await run.run([("email", email)])
        #expect(report.state == .succeeded, "\(report.steps.map { $0.error ?? "" })")
        #expect(try await TestServers.scimUser(id)?["active"] as? Bool == false)

        try await run.store.addRequest(RunRequest(runID: report.id, kind: .reverse, reason: "rehired", requestedBy: "hr", requestedAt: Date()))
        let state = try await Worker(store: run.store, registry: BuiltInHandlers.registry(), secrets: run.resolver,
                                     configuration: WorkerConfiguration(requestPollInterval: 0.1, pollInterval: 0.1)).drive(runID: report.id)
        let stored = try #require(try await run.store.loadRun(report.id))
        let after = try RunReport.make(stored, playbook: run.playbook)
        #expect(state == .reversed, "\(after.steps.map { "\($0.id)=\($0.state) \($0.error ?? "")" })")
        #expect(try await TestServers.scimUser(id)?["active"] as? Bool == true)
        #expect(after.steps.map(\.id) == ["deactivate-identity", "undo:deactivate-identity"])
    }
}
