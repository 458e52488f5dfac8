import Crypto
import Engine
import Foundation
import Playbook

/// Checks that a delivery came from the HR system, by the scheme its mapping names. Every comparison of a
/// signature or token is constant-time (swift-crypto's `isValidAuthenticationCode`); a refusal says why in words
/// that hold nothing from the delivery.
public struct HookVerifier: Sendable {
    public let scheme: HookMapping.Scheme
    public let secret: String
    public let maxAge: TimeInterval

    public init(scheme: HookMapping.Scheme, secret: String, maxAge: TimeInterval) {
        self.scheme = scheme
        self.secret = secret
        self.maxAge = maxAge
    }

    /// A verified delivery: the id the scheme gives it (a replay carries the same one).
    public struct Verified: Sendable, Hashable {
        public var deliveryID: String?
    }

    /// Why a delivery was refused.
    public struct Refused: Error, Sendable, Hashable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// Checks `body` and `headers` (names in lower case) as received at `now`.
    public func verify(body: [UInt8], headers: [String: String], now: Date) throws(Refused) -> Verified {
        switch scheme {
        case .bamboohr:
            let signature = try header("x-bamboohr-signature", headers), timestamp = try header("x-bamboohr-timestamp", headers)
            try fresh(timestamp, now: now, name: "X-BambooHR-Timestamp")
            guard let mac = Self.bytes(hex: signature.hasPrefix("sha256=") ? String(signature.dropFirst(7)) : signature) else {
                throw Refused(reason: "X-BambooHR-Signature is not hexadecimal")
            }
            try check(SHA256.self, mac: mac, over: body + Array(timestamp.utf8), key: Array(secret.utf8), header: "X-BambooHR-Signature")
            // The id is the time and the MAC's bytes, however the header spelled them: a replay reworded is still a replay.
            return Verified(deliveryID: "\(timestamp):" + mac.lowercaseHex)
        case .hibob:
            let signature = try header("bob-signature", headers)
            guard let mac = Data(base64Encoded: signature) else { throw Refused(reason: "Bob-Signature is not base64") }
            try check(SHA512.self, mac: Array(mac), over: body, key: Array(secret.utf8), header: "Bob-Signature")
            return Verified(deliveryID: nil)
        case .deel:
            let signature = try header("x-deel-signature", headers)
            try check(SHA256.self, hex: signature, over: Array("POST".utf8) + body, key: Array(secret.utf8), header: "x-deel-signature")
            return Verified(deliveryID: nil)
        case .standardWebhooks:
            let id = try header("webhook-id", headers), timestamp = try header("webhook-timestamp", headers)
            let signatures = try header("webhook-signature", headers)
            guard Int64(timestamp) != nil else { throw Refused(reason: "webhook-timestamp must be whole seconds since 1970") }
            try fresh(timestamp, now: now, name: "webhook-timestamp")
            let key = secret.hasPrefix("whsec_") ? Data(base64Encoded: String(secret.dropFirst(6))).map(Array.init) ?? Array(secret.utf8) : Array(secret.utf8)
            let signed = Array("\(id).\(timestamp).".utf8) + body
            let macs = signatures.split(separator: " ").compactMap { entry -> [UInt8]? in
                guard entry.hasPrefix("v1,") else { return nil }
                return Data(base64Encoded: String(entry.dropFirst(3))).map(Array.init)
            }
            let symmetric = SymmetricKey(data: key)
            guard macs.contains(where: { HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: signed, using: symmetric) }) else {
                throw Refused(reason: "no v1 signature in webhook-signature matches")
            }
            return Verified(deliveryID: id)
        case .bearer:
            let authorization = try header("authorization", headers)
            guard authorization.lowercased().hasPrefix("bearer ") else { throw Refused(reason: "Authorization is not a bearer token") }
            guard SecretText.same(Self.withoutOWS(authorization.dropFirst(7)), secret) else {
                throw Refused(reason: "the bearer token does not match")
            }
            return Verified(deliveryID: nil)
        }
    }

    private func header(_ name: String, _ headers: [String: String]) throws(Refused) -> String {
        guard let value = headers[name], !value.isEmpty, value.count < 4096 else { throw Refused(reason: "the \(name) header is missing") }
        return Self.withoutOWS(value[...])
    }

    /// `value` without the spaces and tabs HTTP allows around a field value and its parts (RFC 9110's OWS). (Not
    /// Foundation's `trimmingCharacters`: it costs more than the rest of a bearer check, on every delivery.)
    static func withoutOWS(_ value: Substring) -> String {
        let ows: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = value.firstIndex(where: { !ows($0) }), let last = value.lastIndex(where: { !ows($0) }) else { return "" }
        return String(value[first...last])
    }

    /// A signed time within `maxAge` of now (either side: clocks drift both ways).
    private func fresh(_ timestamp: String, now: Date, name: String) throws(Refused) {
        let sent: Date
        if let seconds = Int64(timestamp) {
            sent = Date(timeIntervalSince1970: TimeInterval(seconds))
        } else if let parsed = DateText.parseDateTime(timestamp, defaultTimeZone: nil) {
            sent = parsed
        } else {
            throw Refused(reason: "\(name) is neither seconds since 1970 nor an ISO 8601 time")
        }
        guard abs(now.timeIntervalSince(sent)) <= maxAge else {
            throw Refused(reason: "\(name) is \(Int(abs(now.timeIntervalSince(sent)))) s from now, outside the \(Int(maxAge)) s window (a replay, or a clock that is wrong)")
        }
    }

    private func check<H: HashFunction>(_: H.Type, hex: String, over data: [UInt8], key: [UInt8], header: String) throws(Refused) {
        guard let mac = Self.bytes(hex: hex) else { throw Refused(reason: "\(header) is not hexadecimal") }
        try check(H.self, mac: mac, over: data, key: key, header: header)
    }

    private func check<H: HashFunction>(_: H.Type, mac: [UInt8], over data: [UInt8], key: [UInt8], header: String) throws(Refused) {
        guard HMAC<H>.isValidAuthenticationCode(mac, authenticating: data, using: SymmetricKey(data: key)) else {
            throw Refused(reason: "\(header) does not match the body")
        }
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.lowercased().utf8)
        guard digits.count % 2 == 0, !digits.isEmpty else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
