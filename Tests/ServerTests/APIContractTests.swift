import Foundation
import OffboardRuntime
@testable import OffboardServer
import Playbook
import Testing

/// The OpenAPI document (openapi.yaml) and the server's route table say the same: every path, method, operation
/// id and the roles each admits, in both directions.
@Suite struct APIContractTests {
    /// One operation as either side states it.
    struct Operation: Hashable, CustomStringConvertible {
        var method: String
        var path: String
        var operationID: String
        var roles: [String]
        var open: Bool
        /// Verified by the hook source's own scheme, not a bearer token.
        var signed = false
        var description: String { "\(method) \(path) \(operationID) roles=\(roles) open=\(open) signed=\(signed)" }
    }

    static func documentOperations() throws -> Set<Operation> {
        let path = "\(InProcessServer.repositoryRoot)/openapi.yaml"
        let composed = YAMLComposer.compose(Array(try Data(contentsOf: URL(fileURLWithPath: path))), file: path)
        try #require(!composed.diagnostics.containsErrors, "\(composed.diagnostics)")
        let root = try #require(composed.root)
        #expect(root["openapi"]?.string == "3.1.0")
        var operations: Set<Operation> = []
        for pathPair in root["paths"]?.mapping ?? [] {
            for methodPair in pathPair.value.mapping ?? [] where ["get", "post", "put", "patch", "delete"].contains(methodPair.name) {
                let operation = methodPair.value
                let roles = (operation["x-roles"]?.sequence ?? []).compactMap(\.string).sorted()
                let signed = operation["x-signed"]?.scalar?.value == .bool(true)
                let open = operation["security"]?.sequence?.isEmpty == true && !signed
                operations.insert(Operation(method: methodPair.name.uppercased(), path: pathPair.name,
                                            operationID: operation["operationId"]?.string ?? "", roles: roles, open: open, signed: signed))
            }
        }
        return operations
    }

    static func tableOperations() throws -> Set<Operation> {
        Set(try InProcessServer(files: [:]).runtime.routes.map { route in
            var roles: [String] = [], open = false, signed = false
            switch route.access {
            case .open: open = true
            case .signed: signed = true
            case .roles(let kinds): roles = kinds.map(\.rawValue).sorted()
            }
            return Operation(method: route.methodName, path: route.path, operationID: route.operationID, roles: roles, open: open, signed: signed)
        })
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedOperationIsServed() throws {
        let document = try Self.documentOperations(), table = try Self.tableOperations()
        #expect(document.count >= 20, "the document lists \(document.count) operations")
        for missing in table.subtracting(document).sorted(by: { $0.description < $1.description }) {
            Issue.record("served but not documented as such: \(missing)")
        }
        for missing in document.subtracting(table).sorted(by: { $0.description < $1.description }) {
            Issue.record("documented but not served as such: \(missing)")
        }
        #expect(Set(document.map(\.operationID)).count == document.count, "operation ids are unique")
    }
}

/// The answer to an HR delivery is written without the API's JSON encoder (every delivery of a burst gets one): it
/// must be the same bytes the encoder writes, whatever the source's name and the event's number.
@Suite struct HookReceiptTests {
    @Test(arguments: [(Int64(1), "bamboohr"), (Int64.max, "a-b_c.9"), (Int64(42), "Zoë \"quoted\" \\ /\n\u{1}")])
    func theReceiptIsWhatTheEncoderWrites(event: Int64, source: String) throws {
        let receipt = HookReceipt(event: event, source: source, status: "recorded")
        #expect(receipt.json.canonicalData() == (try APIJSON.encode(receipt)))
    }
}
