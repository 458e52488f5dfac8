import Crypto
import Engine
import Foundation
import Playbook
import SQLiteStore
import TestServerSupport
import Testing

/// The `http` handler against a real HTTP server (Tests/Servers/echo_server.py) that answers with
/// what it received.
@Suite struct HTTPHandlerTests {
    @Test func aSignedWebhookCarriesItsKeyBodyAndSignature() async throws {
        let run = try PlaybookRun("""
            playbook: notify
            version: 1
            inputs: { who: { type: string, required: true } }
            steps:
              - id: notify
                uses: http
                with:
                  url: "${secret:HOOK_URL}/hooks/leavers"
                  headers: { Authorization: "Bearer ${secret:HOOK_TOKEN}" }
                  body: { text: "{{ inputs.who }} has left", channel: security }
                  sign: { secret: "${secret:HOOK_KEY}" }
                  output: { id: /id, key: /headers/idempotency-key, signature: /headers/x-signature-256, raw: /raw_body,
                            auth: /headers/authorization, missing: /no/such/field }
            """, secrets: ["HOOK_URL": try TestServers.httpURL(), "HOOK_TOKEN": "tok-123456", "HOOK_KEY": "hmac-key-98765"])
        let report = try await run.run([("who", "Jordan \"JR\" Ryan")])
        #expect(report.state == .succeeded, "\(report.steps.first?.error ?? "")")
        guard case .object(let output)? = report.steps.first?.output, case .string(let raw)? = output["raw"] else {
            Issue.record("no output: \(String(describing: report.steps.first?.output))")
            return
        }
        #expect(output["status"] == 200)
        #expect(output["id"] == 42)
        #expect(output["key"] == .string("\(report.id)/notify"))
        #expect(output["missing"] == .null)
        #expect(output["auth"] == "Bearer ${secret:HOOK_TOKEN}", "a secret echoed back is scrubbed from the output")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: String])
        #expect(body == ["text": "Jordan \"JR\" Ryan has left", "channel": "security"])
        let expected = HMAC<SHA256>.authenticationCode(for: Data(raw.utf8), using: SymmetricKey(data: Data("hmac-key-98765".utf8)))
        #expect(output["signature"] == .string("sha256=" + expected.map { String(format: "%02x", $0) }.joined()))
    }

    /// A refused connection or an unknown host fails the attempt at once, saying so in words (it used to wait
    /// out the 30 s request timeout, and read "cannot reach the server (NIOConnectionError)").
    @Test func connectionFailuresFailFastWithAMessageAPersonUnderstands() async throws {
        let yaml = """
            playbook: unreachable
            version: 1
            inputs: { url: { type: string, required: true } }
            steps:
              - { id: call, uses: http, retry: { attempts: 1 }, with: { url: "{{ inputs.url }}" } }
            """
        let run = try PlaybookRun(yaml, secrets: [:])
        let closed = try TestServers.closedLoopbackPort()
        let refused = try await run.run([("url", "http://127.0.0.1:\(closed)/hook")])
        // Behaviour, not a benchmark: the attempt (from its start to its failure, as journaled) took the whole 30 s
        // request timeout before; the bound is far above what it needs, and leaves out the store's own I/O.
        let journal = try #require(try await run.store.loadRun(refused.id)?.journal)
        let start = journal.first { if case .step(_, .start) = $0.event { true } else { false } }?.at
        let failure = journal.first { if case .step(_, .fail) = $0.event { true } else { false } }?.at
        #expect(try #require(failure).timeIntervalSince(try #require(start)) < 5)
        #expect(refused.steps.first?.error == "POST http://127.0.0.1:\(closed)/hook: cannot connect to 127.0.0.1:\(closed): connection refused")
        // How fast a name fails depends on the machine's resolver (none answers on a sandbox without network);
        // either way the message says what went wrong, never "NIOConnectionError".
        let unknown = try await run.run([("url", "http://no-such-host.invalid/hook")])
        let message = unknown.steps.first?.error ?? ""
        #expect(message == "POST http://no-such-host.invalid/hook: cannot connect to no-such-host.invalid: the host name does not resolve (no such host)"
                || message == "POST http://no-such-host.invalid/hook: cannot connect to no-such-host.invalid: no answer within 5 s", "\(message)")
    }

    @Test func statusesDecideRetryAndFailure() async throws {
        let yaml = """
            playbook: statuses
            version: 1
            inputs: { path: { type: string, required: true }, expect: { type: list, default: [] } }
            steps:
              - id: call
                uses: http
                retry: { attempts: 2, backoff: fixed, initial: 1s }
                with: { method: GET, url: "${secret:BASE}{{ inputs.path }}", expect: "{{ inputs.expect }}" }
            """
        let run = try PlaybookRun(yaml, secrets: ["BASE": try TestServers.httpURL()])
        let flaky = try await run.run([("path", "/flaky/\(UUID().uuidString)")])
        #expect(flaky.state == .succeeded)
        #expect(flaky.steps.first?.attempts == 2, "a 503 is retried")

        let refused = try await run.run([("path", "/status/400")])
        #expect(refused.state == .failed)
        #expect(refused.steps.first?.attempts == 1, "a 400 is not retried")
        #expect(refused.steps.first?.error?.contains("GET ${secret:BASE}/status/400") == true, "the URL from a secret is shown as its reference")
        #expect(refused.steps.first?.error?.contains("HTTP 400") == true)

        let unexpected = try await run.run([("path", "/ok"), ("expect", "[201]")])
        #expect(unexpected.state == .failed)
        #expect(unexpected.steps.first?.error?.contains("HTTP 200") == true)
    }
}
