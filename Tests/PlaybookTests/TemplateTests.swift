import Foundation
@testable import Playbook
import Testing

@Suite struct TemplateTests {
    let scope = ExpressionTests.scope

    @Test func interpolatesText() throws {
        let template = try Template.parse("Collect {{ item.type }} {{ item.asset_tag }} from {{ inputs.email }}")
        #expect(try template.render(in: scope) == .string("Collect laptop LT-1 from jryan@example.com"))
    }

    @Test func aLoneExpressionKeepsItsType() throws {
        #expect(try Template.parse("{{ inputs.devices }}").render(in: scope) == scope.inputs["devices"])
        #expect(try Template.parse("  {{ inputs.count }} ").render(in: scope) == .int(3))
    }

    @Test func secretsStayReferences() throws {
        let rendered = try Template.parse("Bearer ${secret:API_TOKEN} for {{ inputs.email }}").render(in: scope)
        guard case .secret(let text) = rendered else {
            Issue.record("expected secret text, got \(rendered)")
            return
        }
        #expect(text.masked == "Bearer ${secret:API_TOKEN} for jryan@example.com")
        #expect(text.secretNames == ["API_TOKEN"])
    }

    @Test func anInputThatLooksLikeASecretStaysText() throws {
        var hostile = scope
        hostile.inputs["email"] = .string("${secret:CRM_DB_URL}")
        let rendered = try Template.parse("user {{ inputs.email }}").render(in: hostile)
        #expect(rendered == .string("user ${secret:CRM_DB_URL}"))
    }

    @Test func nullIsNeverRenderedAsEmptyText() {
        #expect(throws: EvaluationError.self) { try Template.parse("role {{ inputs.role }}").render(in: scope) }
    }

    @Test func datesRenderInTheLeaversZone() throws {
        var london = scope
        london.timeZone = TimeZone(identifier: "Europe/Berlin")!
        #expect(try Template.parse("at {{ inputs.leave_at }}").render(in: london) == .string("at 2026-12-04T18:30:00+01:00"))
    }

    @Test(arguments: [
        ("a {{ b", "'{{' is not closed by '}}'", 2), ("a }} b", "'}}' without an opening '{{'", 2),
        ("${secret:}", "'' is not a valid secret name (letters, digits and _, not starting with a digit)", 9),
        ("${secretX}", "a secret reference is written ${secret:NAME}", 0), ("{{ }}", "empty expression", 3),
    ])
    func syntaxErrors(_ text: String, _ message: String, _ offset: Int) {
        #expect(throws: Template.ParseError(message: message, offset: offset)) { try Template.parse(text) }
    }

    @Test func bracesInsideStringLiteralsDoNotCloseTheExpression() throws {
        #expect(try Template.parse("{{ '}}' + 'x' }}").render(in: scope) == .string("}}x"))
    }
}
