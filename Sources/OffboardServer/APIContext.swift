import Foundation
import Hummingbird
import OffboardRuntime
import Playbook

/// Each request's context: Hummingbird's, a body limit, and who the bearer token says is calling.
public struct APIRequestContext: RequestContext {
    /// The largest request body accepted (a bulk import included), in bytes.
    public static let bodyLimit = 4 << 20

    public var coreContext: CoreRequestContextStorage
    public var caller: Caller?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { Self.bodyLimit }
}

/// The authenticated caller: the token (its name is the actor of every change it makes) and its role.
public struct Caller: Sendable {
    public var token: APIToken
    public var role: APIRole

    /// The name changes are journaled with: the token's name (never `hook:…`, which HR systems' changes carry).
    public var actor: String { token.name }
}

/// JSON as the API writes it: sorted keys, no escaped slashes.
enum APIJSON {
    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(DateText.iso8601(date, fractionalSeconds: true))
        }
        return try encoder.encode(value)
    }

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encode(value))))
    }

    /// `value` written as canonical JSON (compact, keys sorted by their bytes), without an encoder: for the answer every
    /// HR delivery gets, where the encoder's set-up was a share of a burst's time. The same bytes as `response` for
    /// values of strings, integers and objects of them.
    static func response(canonical value: JSONValue, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: value.canonicalData())))
    }

    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: contentType, .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Decodes a JSON body into `T`; a malformed body is a 400 problem naming the field, never echoing a value.
    static func decode<T: RequestBody>(_ type: T.Type, from request: Request, context: APIRequestContext) async throws -> T {
        let buffer = try await request.collectBody(upTo: context.maxUploadSize, within: ClientLimits.bodyTime)
        let data = Data(buffer.readableBytesView)
        // No request body documents a null field: an explicit null for one of the body's fields is refused, not read
        // as "absent" (which would make `{"step": null}` a retry of every failed step). Other keys are ignored, as
        // they are with any other value.
        if let nulls = try? JSONDecoder().decode(TopLevelNulls.self, from: data), let first = nulls.keys.first(where: T.fields.contains) {
            throw Problem.badRequest("'\(first)' must not be null")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw Problem.badRequest(describe(error))
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "the body" : "'" + keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") + "'"
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])) is required"
        case .typeMismatch(let type, let context): return "\(path(context.codingPath)) must be \(readable(type))"
        case .valueNotFound(let type, let context): return "\(path(context.codingPath)) must be \(readable(type)), not null"
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "the body is not valid JSON" : "\(path(context.codingPath)) is not valid"
        @unknown default: return "the body does not match the request's schema"
        }
    }

    private static func readable(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Double.Type: "a number"
        default: "an object or list of the documented shape"
        }
    }
}

/// A request body: its coding keys are its fields as the contract names them (none of them may be null).
protocol RequestBody: Decodable {
    associatedtype CodingKeys: CodingKey & CaseIterable
}

extension RequestBody {
    static var fields: Set<String> { Set(CodingKeys.allCases.map(\.stringValue)) }
}

/// The keys of a JSON object whose values are null, in sorted order (nothing for a body that is not an object).
private struct TopLevelNulls: Decodable {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    let keys: [String]

    init(from decoder: any Decoder) throws {
        let object = try decoder.container(keyedBy: Key.self)
        keys = try object.allKeys.filter { try object.decodeNil(forKey: $0) }.map(\.stringValue).sorted()
    }
}
