import Engine
import Playbook

/// `scim.deactivate`: deactivates (or deletes) a user in a SCIM 2.0 service (RFC 7644).
public struct SCIMDeactivateHandler: StepHandler {
    public init() {}

    public let type = "scim.deactivate"
    public let removesAccess = true
    public let summary = "Finds a user in a SCIM 2.0 service by userName or externalId and sets active to false (or deletes it)."

    public var parameters: ParameterSchema {
        ParameterSchema([
            ParameterField("base_url", .string, required: true, description: "the SCIM service's base URL (…/scim/v2)", acceptsSecrets: true),
            ParameterField("token", .string, required: true, description: "bearer token, as ${secret:NAME}", sensitive: true),
            ParameterField("user_name", .string, description: "the user's userName"),
            ParameterField("external_id", .string, description: "the user's externalId"),
            ParameterField("action", .enumeration(["deactivate", "delete"]), description: "PATCH active=false, or DELETE", default: .string("deactivate")),
            ParameterField("timeout", .duration, description: "per-request timeout"),
        ], exactlyOneOf: [["user_name", "external_id"]])
    }

    public func plan(_ request: HandlerPlanRequest) async throws -> ActionPreview {
        let filter = request.parameters["user_name"] != nil ? "userName \(request.quoted("user_name"))" : "externalId \(request.quoted("external_id"))"
        let action = request.text("action") == "delete" ? "delete it" : "set active to false"
        var details = ["service: \(request.text("base_url"))"]
        if let secrets = request.liveSecrets { details += await inspect(request, secrets: secrets) }
        return ActionPreview("find the SCIM user with \(filter) and \(action)", details: details)
    }
}
