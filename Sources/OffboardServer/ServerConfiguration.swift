import Foundation
import OffboardRuntime

/// Where `offboard serve` listens and how.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// A PEM certificate chain and private key: the server speaks TLS itself.
    public var tls: (certificate: String, key: String)?
    /// Serve plain HTTP on a non-loopback address (behind a TLS-terminating proxy).
    public var insecureHTTP: Bool
    /// Sign-in to the console with the organisation's identity provider; nil: API tokens only.
    public var oidc: OIDCConfiguration?
    /// The address people's browsers reach the server at (`https://offboard.example.com`), for the identity
    /// provider's redirect back; nil: the request's own address.
    public var publicURL: String?
    /// Heap kept ready on each thread that serves requests (see `MemoryReserve`).
    public var memoryReserve = MemoryReserve()

    public init(host: String = "127.0.0.1", port: Int = 8080, tls: (certificate: String, key: String)? = nil, insecureHTTP: Bool = false) {
        self.host = host
        self.port = port
        self.tls = tls
        self.insecureHTTP = insecureHTTP
    }

    /// True for addresses only this machine reaches.
    public var isLoopback: Bool {
        ["127.0.0.1", "::1", "localhost"].contains(host) || host.hasPrefix("127.")
    }

    /// Why the server must not start as configured, or nil.
    public var refusal: String? {
        if !isLoopback && tls == nil && !insecureHTTP {
            return "refusing to serve plain HTTP on \(SafeText.terminal(host)), which other machines reach: give --tls-certificate and --tls-key, "
                + "or --insecure-http (OFFBOARD_INSECURE_HTTP=true) when a TLS-terminating proxy is in front"
        }
        return nil
    }
}
