import Curl

/// How to reach the API. The admin key is held here only; it is never logged or stored.
public struct APIConfiguration: Sendable {
    public var baseURL: String
    public var adminKey: String
    public var organizationHeader: String?
    public var projectHeader: String?
    public var http: HTTPClientConfiguration
    /// Attempts per request for 429, 5xx, network failures and damaged bodies.
    public var maxAttempts: Int = 5
    /// First backoff delay in seconds; doubles each attempt, with jitter, capped at `maxBackoff`.
    public var baseBackoff: Double = 0.5
    public var maxBackoff: Double = 30
    /// Client-side request-rate cap shared by all workers.
    public var requestsPerMinute: Int = 60
    /// Buckets per page when smaller than the API's cap (nil: the cap, the fewest requests).
    /// Smaller pages suit heavy groupings whose full pages are slow for the API to answer.
    public var pageLimit: Int?

    /// The retry schedule these settings make.
    public var retryPolicy: RetryPolicy { RetryPolicy(maxAttempts: maxAttempts, baseBackoff: baseBackoff, maxBackoff: maxBackoff) }

    public init(baseURL: String, adminKey: String, organizationHeader: String? = nil, projectHeader: String? = nil,
                http: HTTPClientConfiguration = HTTPClientConfiguration()) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.adminKey = adminKey
        self.organizationHeader = organizationHeader
        self.projectHeader = projectHeader
        self.http = http
    }
}

extension APIConfiguration: CustomStringConvertible {
    /// Never prints the key.
    public var description: String { "APIConfiguration(baseURL: \(baseURL), adminKey: <redacted>)" }
}
