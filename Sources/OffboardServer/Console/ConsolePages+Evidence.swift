import Foundation
import Hummingbird
import OffboardRuntime
import Playbook

/// The evidence pack in the page and as a download (Markdown, JSON, HTML), with the result of verifying the chain.
extension Console {
    func pack(_ id: String) async throws -> EvidencePack {
        let stored = try await runtime.stored(id)
        return try await runtime.reading.evidence(stored, now: runtime.clock.now())
    }

    func evidencePage(_ request: Request, _ context: APIRequestContext, _ visit: ConsoleVisit) async throws -> Response {
        let id = try context.parameter("id")
        let pack = try await pack(id)
        let finding = try await ChainAudit(store: runtime.store, registry: runtime.registry).check([id])[0]
        return page("evidence", title: "Evidence: run \(id)", values: [
            "id": id, "intact": finding.intact, "verify": finding.intact ? "The journal's hash chain is intact (\(pack.chain.entries) entries, head \(pack.chain.head ?? "—"))."
                : "The journal's hash chain does not verify: \(finding.problem ?? "see offboard verify")",
            "summary": pack.summary.sentence,
        ], visit: visit)
    }

    func evidenceDownload(_ request: Request, _ context: APIRequestContext, _ visit: ConsoleVisit) async throws -> Response {
        let id = try context.parameter("id")
        let format = try context.parameter("format")
        guard ["md", "json", "html"].contains(format) else { throw ConsoleRefusal.notFound("The evidence pack comes as md, json or html.") }
        let (body, type) = try ServerRuntime.evidenceDocument(try await pack(id), format: format)!
        var headers: HTTPFields = [.contentType: type, .cacheControl: "no-store", .init("X-Content-Type-Options")!: "nosniff",
                                   .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"]
        // Shown in the page's frame (sandboxed: the pack has no scripts, and gets no powers) when asked inline;
        // otherwise saved as a file (a sandboxed response may not be downloaded).
        if request.uri.queryParameters.get("inline") == "1", format == "html" {
            headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"
        } else {
            headers[.contentDisposition] = "attachment; filename=\"evidence-\(id).\(format)\""
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
