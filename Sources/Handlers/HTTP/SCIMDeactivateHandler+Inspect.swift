import Engine
import Foundation
import Logging
import Playbook

extension SCIMDeactivateHandler {
    /// What a live dry run reads from the service (one GET), read-only.
    func inspect(_ request: HandlerPlanRequest, secrets: any SecretResolver) async -> [String] {
        if request.dependsOnRunTimeValues {
            return ["now: not inspected; some parameters are only known when the run executes"]
        }
        let context = request.inspectionContext(secrets: secrets, logger: Logger(label: "offboard.plan"))
        do {
            let service = try SCIMService(context)
            let filter = try SCIMService.filter(context)
            let users = try await service.find(filter.text)
            let delete = request.parameters["action"]?.displayText == "delete"
            guard !users.isEmpty else { return ["now: no SCIM user with \(filter.description): nothing to do"] }
            if users.count > 1 { return ["now: \(users.count) SCIM users match \(filter.description): the step would fail"] }
            let user = users[0]
            if delete { return ["now: SCIM user \(user.id) (\(user.active ? "active" : "inactive")) would be deleted"] }
            return ["now: SCIM user \(user.id): " + (user.active ? "active → inactive" : "already inactive, nothing to do")]
        } catch {
            return ["now: could not inspect the service: \((error as? HandlerFailure)?.message ?? "\(Swift.type(of: error))")"]
        }
    }
}
