import Foundation
import Hummingbird
import OffboardRuntime

/// Every route of the API, with who may call it. The OpenAPI document (`openapi.yaml`) describes exactly these:
/// a test reads both and fails on any route or role one has and the other lacks.
extension ServerRuntime {
    public var routes: [APIRoute] {
        let readers: Access = .roles([.hr, .operator, .auditor])
        let starters: Access = .roles([.hr, .operator])
        let taskActors: Access = .roles([.operator, .task])
        let auditors: Access = .roles([.operator, .auditor])
        return [
            APIRoute(.get, "/healthz", "health", .open, healthRoute),
            APIRoute(.get, "/readyz", "ready", .open, readyRoute),
            APIRoute(.get, "/metrics", "metrics", auditors, metricsRoute),
            APIRoute(.post, "/v1/runs", "startRun", starters, startRoute),
            APIRoute(.get, "/v1/runs", "listRuns", readers, listRunsRoute),
            APIRoute(.post, "/v1/plans", "planRun", starters, planRoute),
            APIRoute(.post, "/v1/imports", "importLeavers", starters, importRoute),
            APIRoute(.get, "/v1/runs/{id}", "getRun", readers, getRunRoute),
            APIRoute(.get, "/v1/runs/{id}/history", "getRunHistory", readers, historyRoute),
            // Who may act on a run is the runtime's rule (`RunActions`), which the console reads too.
            APIRoute(.post, "/v1/runs/{id}/cancel", "cancelRun", .roles(RunActions.roles(.cancel)), cancelRoute),
            APIRoute(.post, "/v1/runs/{id}/reschedule", "rescheduleRun", .roles(RunActions.roles(.reschedule)), rescheduleRoute),
            APIRoute(.post, "/v1/runs/{id}/reverse", "reverseRun", .roles(RunActions.roles(.reverse)), reverseRoute),
            APIRoute(.post, "/v1/runs/{id}/retry", "retryRun", .roles(RunActions.roles(.retry)), retryRoute),
            APIRoute(.get, "/v1/runs/{id}/evidence", "getEvidence", auditors, evidenceRoute),
            APIRoute(.get, "/v1/runs/{id}/verify", "verifyRun", auditors, verifyRoute),
            APIRoute(.get, "/v1/tasks", "listTasks", taskActors, tasksRoute),
            APIRoute(.post, "/v1/runs/{id}/tasks/{step}/complete", "completeTask", taskActors, taskActionRoute(.complete)),
            APIRoute(.post, "/v1/runs/{id}/tasks/{step}/approve", "approveTask", taskActors, taskActionRoute(.approve)),
            APIRoute(.post, "/v1/runs/{id}/tasks/{step}/reject", "rejectTask", taskActors, taskActionRoute(.reject)),
            APIRoute(.post, "/v1/hooks/{source}", "receiveHook", .signed, hookRoute),
            APIRoute(.get, "/v1/hooks/{source}/events/{id}", "getHookEvent", starters, hookEventRoute),
            APIRoute(.get, "/v1/tokens", "listTokens", .roles([.admin]), listTokensRoute),
            APIRoute(.post, "/v1/tokens", "createToken", .roles([.admin]), createTokenRoute),
            APIRoute(.delete, "/v1/tokens/{name}", "revokeToken", .roles([.admin]), revokeTokenRoute),
        ]
    }
}
