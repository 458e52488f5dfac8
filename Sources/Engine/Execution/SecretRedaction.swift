import Foundation
import Logging
import Playbook

/// Secrets from files in a directory: `${secret:CRM_DB_URL}` reads `DIR/CRM_DB_URL` (one trailing
/// newline is dropped). Names are letters, digits and `_`, so a name never leaves the directory.
public struct DirectorySecretResolver: SecretResolver {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public func value(of name: String) -> String? {
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }),
              var text = try? String(contentsOfFile: (directory as NSString).appendingPathComponent(name), encoding: .utf8) else { return nil }
        if text.hasSuffix("\r\n") { text.removeLast(2) } else if text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}

/// Tries resolvers in order: the first that knows a name wins (environment before directory).
public struct ChainedSecretResolver: SecretResolver {
    public let resolvers: [any SecretResolver]

    public init(_ resolvers: [any SecretResolver]) { self.resolvers = resolvers }

    public func value(of name: String) -> String? { resolvers.lazy.compactMap { $0.value(of: name) }.first }
}

/// Wraps an attempt's resolver and remembers every value it hands out, so whatever leaves the
/// attempt (an error, an output, a verification, a log line) can be scrubbed of them.
final class RevealedSecrets: SecretResolver, @unchecked Sendable {
    // Safe to share: every access to `revealed` holds `lock`.
    private let lock = NSLock()
    private var revealed: [String: String] = [:]
    private let base: any SecretResolver

    init(_ base: any SecretResolver) { self.base = base }

    func value(of name: String) -> String? {
        guard let value = base.value(of: name) else { return nil }
        lock.withLock { revealed[name] = value }
        return value
    }

    /// Values shorter than this are not scrubbed: replacing every "t" or "42" in a message would
    /// destroy it and protect nothing (a credential that short is no secret).
    static let shortestScrubbed = 4

    /// Each revealed value, and the forms it may take in a message (a URL's password, percent-
    /// encoded), paired with what replaces it; none shorter than `shortestScrubbed`, longest first
    /// so no fragment survives.
    private var replacements: [(String, String)] {
        let pairs = lock.withLock { revealed }
        var result: [(String, String)] = []
        for (name, value) in pairs {
            let marker = "${secret:\(name)}"
            result.append((value, marker))
            if let encoded = value.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed), encoded != value { result.append((encoded, marker)) }
            if let password = URLComponents(string: value)?.password {
                result.append((password, marker))
                if let decoded = password.removingPercentEncoding, decoded != password { result.append((decoded, marker)) }
            }
        }
        return result.filter { $0.0.count >= Self.shortestScrubbed }.sorted { $0.0.count > $1.0.count }
    }

    func redact(_ text: String) -> String { Self.scrub(text, replacing: replacements) }

    /// Every string (and key) of the value, with the replacements worked out once for all of them.
    func redact(_ value: JSONValue) -> JSONValue { Self.scrub(value, replacing: replacements) }

    /// One left-to-right pass: at each position the longest revealed value is replaced, and the
    /// text put in its place is never scanned again (so markers are never mangled).
    static func scrub(_ text: String, replacing candidates: [(String, String)]) -> String {
        guard !candidates.isEmpty else { return text }
        var result = ""
        var rest = Substring(text)
        while !rest.isEmpty {
            if let match = candidates.first(where: { rest.hasPrefix($0.0) }) {
                result += match.1
                rest = rest.dropFirst(match.0.count)
            } else {
                result.append(rest.removeFirst())
            }
        }
        return result
    }

    private static func scrub(_ value: JSONValue, replacing candidates: [(String, String)]) -> JSONValue {
        guard !candidates.isEmpty else { return value }
        switch value {
        case .string(let text): return .string(scrub(text, replacing: candidates))
        case .array(let items): return .array(items.map { scrub($0, replacing: candidates) })
        case .object(let fields):
            // Keys that differ only in a secret scrub to the same key: keep one of them, never trap.
            return .object(Dictionary(fields.map { (scrub($0.key, replacing: candidates), scrub($0.value, replacing: candidates)) },
                                      uniquingKeysWith: { kept, _ in kept }))
        default: return value
        }
    }

    /// A logger whose messages and metadata are scrubbed before they reach `logger`'s handler.
    func redacting(_ logger: Logger) -> Logger {
        let handler = RedactingLogHandler(base: logger.handler, secrets: self)
        return Logger(label: logger.label, factory: { _ in handler })
    }
}

/// Scrubs revealed secrets from log messages and metadata.
struct RedactingLogHandler: LogHandler {
    var base: any LogHandler
    let secrets: RevealedSecrets

    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        event.message = Logger.Message(stringLiteral: secrets.redact(event.message.description))
        event.metadata = event.metadata?.mapValues { .string(secrets.redact($0.description)) }
        base.log(event: event)
    }
}
