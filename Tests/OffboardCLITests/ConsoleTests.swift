import AsyncHTTPClient
import Foundation
import NIOHTTP1
import OffboardServer
import Testing

/// The console from outside the browser: its sign-in configuration, its cookies and headers, and that nothing a
/// leaver record says reaches a page as markup.
@Suite struct ConsoleTests {
    @Test func groupsMapToRolesAndWhatIsNotARoleIsRefused() throws {
        guard case .success(let map) = OIDCConfiguration.roleMap(["offboard-hr=hr", "desk=task:it-service-desk", "desk=auditor"]) else {
            Issue.record("the mappings did not read")
            return
        }
        #expect(map == ["offboard-hr": ["hr"], "desk": ["task:it-service-desk", "auditor"]])
        for bad in ["offboard-hr", "=hr", "g=superuser", "g=task:"] {
            guard case .failure(let problem) = OIDCConfiguration.roleMap([bad]) else {
                Issue.record("\(bad) was taken")
                continue
            }
            #expect(problem.message.contains("GROUP=ROLE"), "\(problem.message)")
        }
    }

    @Test func serveRefusesAnIdentityProviderWithoutAClientID() throws {
        let refused = try CLI.run(["serve", "--port", "0", "--oidc-issuer", "https://login.example.com"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("--oidc-issuer needs --oidc-client-id"))
        let notURL = try CLI.run(["serve", "--port", "0", "--oidc-issuer", "login", "--oidc-client-id", "offboard"])
        #expect(notURL.status == 64)
    }

    static let playbook = """
        playbook: marked-up
        version: 1
        inputs:
          employee_id: { type: string, required: true }
          full_name: { type: string, required: true, personal: true }
        steps:
          - id: note
            uses: log
            with: { message: "leaver {{ inputs.employee_id }}" }
          - id: collect-badge
            uses: task
            with:
              assignee: facilities
              title: "Collect the badge of {{ inputs.full_name }}"
              instructions: "Ask {{ inputs.employee_id }} at reception"
              evidence: [badge_number]
        """

    /// Signs in with a token the way a browser does; returns the session cookie and the form token.
    static func signIn(_ server: ServeProcess, token: String) async throws -> (cookie: String, formToken: String) {
        let page = try await server.request(.GET, "/console/sign-in")
        let signIn = try #require(page.cookies.first { $0.hasPrefix("offboard_signin=") })
        let value = String(signIn.dropFirst("offboard_signin=".count).prefix { $0 != ";" })
        let form = "sign_in_token=\(value)&token=\(token)&next=%2Fconsole%2Fruns"
        let answer = try await server.request(.POST, "/console/sign-in", body: Data(form.utf8),
                                              headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": "offboard_signin=\(value)"],
                                              followRedirects: false)
        #expect(answer.status == 303)
        #expect(answer.headers["location"] == "/console/runs")
        let session = try #require(answer.cookies.first { $0.hasPrefix("offboard_session=") && !$0.hasPrefix("offboard_session=;") })
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/console"] { #expect(session.contains(flag), "\(session)") }
        #expect(!session.contains("Secure"), "a plain-HTTP loopback server cannot set a Secure cookie the browser keeps")
        let cookie = String(session.prefix { $0 != ";" })
        let runs = try await server.request(.GET, "/console/runs", headers: ["Cookie": cookie])
        let formToken = try #require(runs.text.firstMatch(of: /name="form_token" value="([^"]+)"/)?.1)
        return (cookie, String(formToken))
    }

    @Test(.timeLimit(.minutes(2)))
    func whatALeaverRecordSaysNeverBecomesMarkup() async throws {
        let setup = try ServeProcess.workflows(["marked-up.yaml": Self.playbook], prefix: "offboard-console")
        let server = try await ServeProcess(environment: setup.environment, directory: setup.directory)
        defer { server.stop() }
        let operatorToken = try await server.token(role: "operator", name: "ops")
        let hostile = #"<script>alert(1)</script>"><img src=x onerror=alert(2)>"#
        let started = try await server.request(.POST, "/v1/runs", token: operatorToken,
                                               json: ["playbook": "marked-up", "inputs": ["employee_id": hostile, "full_name": "Jo \(hostile)"]])
        #expect(started.status == 201, "\(started.text)")
        let run = try #require(started.json["id"] as? String)

        // Without a session: pages go to sign-in, posts are refused, and the sign-in page is locked down.
        let anonymous = try await server.request(.GET, "/console/runs/\(run)", followRedirects: false)
        #expect(anonymous.status == 303)
        #expect(anonymous.headers["location"]?.hasPrefix("/console/sign-in?next=") == true)
        let signInPage = try await server.request(.GET, "/console/sign-in")
        #expect(signInPage.headers["content-security-policy"]?.contains("default-src 'none'") == true)
        #expect(signInPage.headers["content-security-policy"]?.contains("frame-ancestors 'none'") == true)
        #expect(try await server.request(.POST, "/console/runs/\(run)/cancel", body: Data("reason=x".utf8),
                                         headers: ["Content-Type": "application/x-www-form-urlencoded"]).status == 401)

        let (cookie, formToken) = try await Self.signIn(server, token: operatorToken)
        var pages = ["/console/runs", "/console/runs/\(run)", "/console/runs/\(run)/evidence"]
        // The task opens once the worker has run the first step.
        var inbox = ""
        for _ in 0..<60 where !inbox.contains("Collect the badge") {
            inbox = try await server.request(.GET, "/console/tasks", headers: ["Cookie": cookie]).text
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        #expect(inbox.contains("Collect the badge of Jo &lt;script&gt;"), "\(inbox)")
        pages.append("/console/tasks/\(run)/collect-badge")
        for path in pages {
            let page = try await server.request(.GET, path, headers: ["Cookie": cookie])
            #expect(page.status == 200, "\(path): \(page.text)")
            #expect(!page.text.contains("<script>alert"), "\(path) carries the leaver's markup")
            #expect(!page.text.contains("<img src=x"), "\(path) carries the leaver's markup")
        }
        // The start form's preview and its errors echo what was typed only as text.
        let form = "form_token=\(formToken)&in_employee_id=\(hostile.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
        let preview = try await server.request(.POST, "/console/start/marked-up/preview", body: Data(form.utf8),
                                               headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
                                                         "Origin": "http://127.0.0.1:\(server.port)"])
        #expect(preview.status == 422, "a missing full_name is a field error")
        #expect(preview.text.contains("full_name") || preview.text.contains("full name"))
        #expect(!preview.text.contains("<script>alert"))
        #expect(preview.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the typed value is kept in the field, as text")
        // The same post from another origin is refused, and says so.
        let forged = try await server.request(.POST, "/console/runs/\(run)/cancel", body: Data("form_token=\(formToken)&reason=x".utf8),
                                              headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
                                                        "Origin": "https://evil.example"])
        #expect(forged.status == 403)
        #expect(try await server.request(.GET, "/v1/runs/\(run)", token: operatorToken).json["state"] as? String != "cancelled")
    }
}
