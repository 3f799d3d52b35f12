/// One of the usage or costs endpoints, described once for the planner, decoder, CLI and loader.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// The short name used on the command line (`completions`, `costs`).
    public let name: String
    /// The path below the API base URL, e.g. `/organization/usage/completions`.
    public let path: String
    public let widths: [BucketWidth]
    /// Default and maximum `limit` (buckets per page) for each width.
    public let limits: [BucketWidth: (defaultLimit: Int, maxLimit: Int)]
    public let groupBy: [Dimension]
    /// Array filters (`project_ids`, `models`, …) and the dimension each narrows.
    public let arrayFilters: [String: Dimension]
    /// Boolean filters (`batch`).
    public let booleanFilters: [String]
    /// The result `object` type string.
    public let resultObject: String
    public let metrics: [Metric]

    public var description: String { name }
    public var isCosts: Bool { name == "costs" }
    /// Text metrics that are part of a result's identity (and of the fact table's key): two cost
    /// results of one group in different currencies are two rows, never summed.
    public var keyMetrics: [String] { isCosts ? ["currency"] : [] }

    public static func == (lhs: Endpoint, rhs: Endpoint) -> Bool { lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    public func maxLimit(for width: BucketWidth) -> Int { limits[width]?.maxLimit ?? 0 }
    public func defaultLimit(for width: BucketWidth) -> Int { limits[width]?.defaultLimit ?? 0 }

    /// The dimension fields a decoded result carries, in this order: the groupable ones, and for
    /// costs also `api_key_id`, which the live API sets on cost results though it refuses to group by it.
    public var resultDimensions: [Dimension] { isCosts ? [.projectID, .lineItem, .apiKeyID] : groupBy }

    /// The metric of the given name, if the endpoint has it.
    public func metric(_ name: String) -> Metric? { metrics.first { $0.name == name } }
}
