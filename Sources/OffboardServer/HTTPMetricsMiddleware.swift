import Dispatch
import Hummingbird

/// Counts and times every answered request (up to its answer's head; a streamed body's writing is not counted) for `/metrics`, by the route's pattern (`/v1/runs/{id}`, never the path
/// itself) and method; an error is counted with the status it becomes.
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let response = try await next(request, context)
            metrics.requestAnswered(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: response.status.code,
                                    nanoseconds: DispatchTime.now().uptimeNanoseconds - started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            metrics.requestAnswered(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: status.code,
                                    nanoseconds: DispatchTime.now().uptimeNanoseconds - started)
            throw error
        }
    }
}
