import APIClient

/// How a run reaches one organization: the id its rows are filed under, its display name, and the
/// API configuration with its admin key and its own request-rate cap, shared by every worker.
public final class OrganizationAccess: Sendable {
    /// The organization id (nil for a run with one key, whose jobs carry their organization).
    public let id: String?
    /// The display name from the organizations file.
    public let name: String?
    public let api: APIConfiguration
    /// This organization's requests-per-minute cap (`api.requestsPerMinute`), across all workers.
    public let limiter: RateLimiter

    public init(id: String?, name: String?, api: APIConfiguration) {
        self.id = id
        self.name = name
        self.api = api
        limiter = RateLimiter(requestsPerMinute: api.requestsPerMinute)
    }
}
