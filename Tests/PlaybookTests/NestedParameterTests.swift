import Foundation
import Playbook
import Testing

/// `validate` looks inside free-form values (an http body) and at the step keys issue 10 added.
@Suite struct NestedParameterTests {
    func diagnostics(_ steps: String) throws -> [String] {
        let directory = try Fixtures.temporaryDirectory(["p.yaml": """
            playbook: p
            version: 1
            inputs: { employee_id: { type: string, required: true } }
            steps:
            \(steps)
            """])
        return Fixtures.lines(Fixtures.load("\(directory)/p.yaml").diagnostics, relativeTo: directory)
    }

    /// A typo inside a nested body object used to pass validation and render as null.
    @Test func templatesInsideANestedBodyAreTypeChecked() throws {
        #expect(try diagnostics("""
              - id: notify
                uses: http
                with:
                  url: https://hooks.example.com/x
                  body: { leaver: { id: "{{ inputs.employe_id }}" }, list: ["{{ inputs.employee_id }}", "{{ nope }}"] }
            """) == [
            "p.yaml:9:40: error: unknown input 'employe_id'; did you mean 'employee_id'?",
            "p.yaml:9:97: error: unknown name 'nope'; expressions start with inputs., item., steps. or now",
        ])
    }

    /// A secret in an http body would be sent as its reference text: refused, saying where secrets go.
    @Test func aSecretInABodyIsRefusedSayingWhereSecretsMayBeUsed() throws {
        #expect(try diagnostics("""
              - id: notify
                uses: http
                with:
                  url: https://hooks.example.com/x
                  body: { token: "${secret:API_TOKEN}" }
            """) == [
            "p.yaml:9:22: error: body.token may not hold a secret: only credential parameters take ${secret:NAME}, which is revealed only as it is used ('http' takes them in url, headers)",
        ])
    }

    @Test func aSystemLabelHoldsNoSecretOrTemplate() throws {
        #expect(try diagnostics("""
              - id: cut
                uses: log
                removes_access: true
                system: "${secret:DB_URL}"
                with: { message: x }
            """) == ["p.yaml:8:13: error: system is a plain label for the evidence (such as \"CRM database\"); it may hold no secret or template"])
    }
}
