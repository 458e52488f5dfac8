import Foundation
import Hummingbird
import OffboardRuntime

/// One signed-in request: the session, the roles it carries, and (for a form post) the fields sent.
struct ConsoleVisit: Sendable {
    var session: ConsoleSession
    var roles: [APIRole]
    var form: [String: String] = [:]

    init(session: ConsoleSession) {
        self.session = session
        roles = session.roles.compactMap(APIRole.init)
    }

    func may(_ kinds: Set<RoleKind>) -> Bool { roles.contains { kinds.contains(RoleKind($0)) } }

    var isOperator: Bool { roles.contains(.operator) }

    /// The assignees whose tasks this person does (`task:<assignee>` roles).
    var assignees: [String] {
        roles.compactMap { if case .task(let assignee) = $0 { assignee } else { nil } }
    }

    /// True when the person may act on tasks for `task` (an operator, or one of its assignees or approvers).
    func mayAct(on task: TaskReport) -> Bool { isOperator || assignees.contains { task.isFor($0) } }

    /// A field of the posted form, trimmed; nil when absent or blank.
    func field(_ name: String) -> String? {
        guard let value = form[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }
}

/// The session cookie and the sign-in cookie: their names, how they are made, and how a request's is checked.
enum ConsoleCookies {
    static let session = "offboard_session"
    /// Carries the sign-in form's secret before there is a session (a forged sign-in is refused too).
    static let signIn = "offboard_signin"

    static func cookie(_ name: String, value: String, maxAge: Int, secure: Bool, sameSite: Cookie.SameSite = .strict) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/console", secure: secure, httpOnly: true, sameSite: sameSite)
    }
}

/// Reads a form post (`application/x-www-form-urlencoded`, through Hummingbird's decoder) into its fields.
enum ConsoleForm {
    static let limit = 1 << 20

    static func fields(of request: Request) async throws -> [String: String] {
        let body = String(buffer: try await request.collectBody(upTo: limit, within: ClientLimits.bodyTime))
        if body.isEmpty { return [:] }
        do {
            return try URLEncodedFormDecoder().decode([String: String].self, from: body)
        } catch {
            throw ConsoleRefusal.badRequest("the form could not be read")
        }
    }
}
