/// A transfer that failed below HTTP: the kind says what failed, so callers can decide to retry.
public struct CurlError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        case dns = "DNS lookup failed"
        case connect = "connection failed"
        case tls = "TLS failed"
        case timeout = "timed out"
        case reset = "connection reset"
        case truncated = "response truncated"
        case other = "transfer failed"
    }

    public var kind: Kind
    /// libcurl's `CURLcode`.
    public var code: Int
    public var message: String
    /// The URL without query string (never carries credentials).
    public var url: String

    public var isTransient: Bool { kind != .tls && kind != .other }

    public var description: String { "HTTP request to \(url) \(kind.rawValue): \(message) (curl error \(code))" }
}
