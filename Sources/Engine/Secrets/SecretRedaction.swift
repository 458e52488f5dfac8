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
    /// The replacements worked out for `revealed` as it is, or nil: every value revealed anew drops it.
    private var plan: ScrubPlan?
    /// Counts the changes to `revealed`, so a plan worked out while another value was revealed is never kept.
    private var generation = 0
    private let base: any SecretResolver

    init(_ base: any SecretResolver) { self.base = base }

    func value(of name: String) -> String? {
        guard let value = base.value(of: name) else { return nil }
        lock.withLock {
            if revealed[name] != value {
                revealed[name] = value
                plan = nil
                generation += 1
            }
        }
        return value
    }

    /// What every scrub of this attempt's output, check and log lines uses: worked out once, not for each string.
    private var currentPlan: ScrubPlan {
        let (cached, snapshot, version) = lock.withLock { (plan, revealed, generation) }
        if let cached { return cached }
        let made = ScrubPlan(Self.replacements(for: snapshot), cutFragments: true)
        lock.withLock { if generation == version { plan = made } }
        return made
    }

    /// Values shorter than this are not scrubbed: replacing every "t" or "42" in a message would
    /// destroy it and protect nothing (a credential that short is no secret).
    static let shortestScrubbed = 4

    /// Each revealed value, and the forms it may take in a message (percent-encoded; for a URL, its
    /// parts: user information, token-like path segments, query values, and the URL without its
    /// query as a display rewrites it), paired with what replaces it; none shorter than
    /// `shortestScrubbed`, longest first so no fragment survives.
    private static func replacements(for pairs: [String: String]) -> [(String, String)] {
        var result: [(String, String)] = []
        for (name, value) in pairs {
            let marker = "${secret:\(name)}"
            for form in Self.forms(of: value) {
                result.append((form, marker))
                if let decoded = form.removingPercentEncoding, decoded != form { result.append((decoded, marker)) }
                if let encoded = form.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed), encoded != form { result.append((encoded, marker)) }
            }
        }
        return result.filter { $0.0.count >= Self.shortestScrubbed }.sorted { $0.0.count > $1.0.count }
    }

    /// The value, and when it is a URL with a host, the parts of it that are secret on their own. The
    /// scheme and host are not among them: they name the system (the evidence shows them).
    static func forms(of value: String) -> [String] {
        var forms = [value]
        guard let url = URLComponents(string: value), url.scheme != nil, let host = url.host, !host.isEmpty else { return forms }
        forms += [url.user, url.password].compactMap { $0 }
        // Path segments that look like tokens (a webhook's key): long, or with a digit in them. Words
        // such as "services" or "v2" are left alone so messages stay readable.
        forms += url.path.split(separator: "/").map(String.init).filter { $0.count >= 20 || ($0.count >= 8 && $0.contains(where: \.isNumber)) }
        forms += (url.queryItems ?? []).compactMap(\.value)
        var withoutQuery = url
        withoutQuery.query = nil
        withoutQuery.fragment = nil
        if let text = withoutQuery.string, text != value, !withoutQuery.path.isEmpty, withoutQuery.path != "/" { forms.append(text) }
        return forms
    }

    /// Text cut short (a response snippet, a stderr tail) is marked with `…`; a secret cut there leaves a
    /// prefix before the mark, or a suffix after it. Fragments this long or longer are scrubbed there too.
    static let shortestCutFragment = 6

    func redact(_ text: String) -> String { currentPlan.scrub(text) }

    /// Every string (and key) of the value.
    func redact(_ value: JSONValue) -> JSONValue { Self.scrub(value, with: currentPlan) }

    /// One left-to-right pass over Unicode scalars (so a combining mark after a secret cannot hide it): at each
    /// position the longest revealed value is replaced, and the text put in its place is never scanned again (so
    /// markers are never mangled). With `cutFragments`, a fragment of a secret cut off at a `…` or at either end
    /// of the text is replaced too; PersonalData turns that off, since its values are not cut.
    static func scrub(_ text: String, replacing candidates: [(String, String)], cutFragments: Bool = true) -> String {
        ScrubPlan(candidates, cutFragments: cutFragments).scrub(text)
    }

    private static func scrub(_ value: JSONValue, with plan: ScrubPlan) -> JSONValue {
        guard !plan.isEmpty else { return value }
        switch value {
        case .string(let text): return .string(plan.scrub(text))
        case .array(let items): return .array(items.map { scrub($0, with: plan) })
        case .object(let fields):
            // Keys that differ only in a secret scrub to the same key: keep one of them, never trap.
            return .object(Dictionary(fields.map { (plan.scrub($0.key), scrub($0.value, with: plan)) }, uniquingKeysWith: { kept, _ in kept }))
        case .null, .bool, .int, .number: return value
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
