import UsageAPI

/// A validated request to a usage or costs endpoint.
public struct UsageQuery: Sendable, Equatable {
    public var endpoint: Endpoint
    public var startTime: Int64
    public var endTime: Int64?
    public var width: BucketWidth
    public var groupBy: Set<Dimension>
    /// Array filters by parameter name (`project_ids`, `models`, …).
    public var filters: [String: Set<String>]
    public var batch: Bool?
    public var limit: Int

    public init(endpoint: Endpoint, startTime: Int64, endTime: Int64? = nil, width: BucketWidth = .day,
                groupBy: Set<Dimension> = [], filters: [String: Set<String>] = [:], batch: Bool? = nil, limit: Int? = nil) {
        self.endpoint = endpoint
        self.startTime = startTime
        self.endTime = endTime
        self.width = width
        self.groupBy = groupBy
        self.filters = filters
        self.batch = batch
        self.limit = limit ?? endpoint.defaultLimit(for: width)
    }
}
