import Crypto
import Foundation
import Playbook

/// Secrets as text, made and compared one way everywhere: API tokens, console session cookies and form tokens,
/// OpenID Connect states and PKCE values, and bearer hook tokens.
public enum SecretText {
    /// `count` random bytes as URL-safe base64 without padding (32 bytes: 43 characters).
    public static func random(bytes count: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return base64URL(Data((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }))
    }

    /// URL-safe base64 without padding (RFC 4648 §5), as tokens, cookies and PKCE challenges write it.
    public static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Lower-case hex SHA-256 of the text: what the store keeps instead of a secret.
    public static func sha256(_ text: String) -> String { SHA256.hash(data: Data(text.utf8)).lowercaseHex }

    /// The key both sides of a comparison are MACed under: random, made once per process (nobody outside it can
    /// compute the MACs compared, so where they differ says nothing about the secret).
    private static let comparisonKey = SymmetricKey(size: .bits256)

    /// True when `given` is `expected`, in time that does not depend on where they differ: both as MACs under the
    /// process's random key, compared by swift-crypto. An empty secret matches nothing.
    public static func same(_ given: String, _ expected: String) -> Bool {
        guard !given.isEmpty, !expected.isEmpty else { return false }
        let key = comparisonKey
        let mac = HMAC<SHA256>.authenticationCode(for: Array(expected.utf8), using: key)
        return HMAC<SHA256>.isValidAuthenticationCode(Array(mac), authenticating: Array(given.utf8), using: key)
    }
}
