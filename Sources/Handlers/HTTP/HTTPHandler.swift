import Engine
import Playbook

/// `http`: calls a webhook or API (chat notifications, ticket systems), optionally HMAC-signed.
public struct HTTPHandler: StepHandler {
    public init() {}

    public let type = "http"
    public let summary = "Sends an HTTP request with a JSON body, checks the status, and returns response fields as output."

    public var parameters: ParameterSchema {
        ParameterSchema([
            ParameterField("method", .enumeration(["GET", "POST", "PUT", "PATCH", "DELETE"]), description: "HTTP method", default: .string("POST")),
            ParameterField("url", .string, required: true, description: "the URL; may use ${secret:NAME} for a webhook token", acceptsSecrets: true),
            ParameterField("headers", .map(.string), description: "request headers; values may use ${secret:NAME}", acceptsSecrets: true),
            ParameterField("body", .any, description: "JSON body (templates allowed)"),
            ParameterField("expect", .list(.int), description: "accepted status codes (default any 2xx)"),
            ParameterField("absent_statuses", .list(.int),
                           description: "statuses that mean the account does not exist (for example 404): the step succeeds as already absent, nothing removed"),
            ParameterField("sign", .object(ParameterSchema([
                ParameterField("secret", .string, required: true, description: "HMAC-SHA256 key, as ${secret:NAME}", sensitive: true),
                ParameterField("header", .string, description: "header that carries the signature", default: .string("X-Signature-256")),
            ])), description: "sign the body with HMAC-SHA256"),
            ParameterField("output", .map(.string), description: "step output fields taken from the response by JSON pointer (/id)"),
            ParameterField("timeout", .duration, description: "request timeout"),
        ])
    }

    public func plan(_ request: HandlerPlanRequest) async throws -> ActionPreview {
        let method = request.parameters["method"].flatMap { $0.displayText } ?? "POST"
        var details: [String] = []
        if let body = request.parameters["body"] { details.append("body: \(body.jsonText())") }
        if request.parameters["sign"] != nil { details.append("signed with HMAC-SHA256") }
        let expected = request.strings("expect")
        details.append("expects status \(expected.isEmpty ? "2xx" : expected.joined(separator: " or "))")
        return ActionPreview("\(method) \(request.text("url"))", details: details)
    }
}
