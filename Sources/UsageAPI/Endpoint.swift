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
    /// Dimension fields a result may carry that the endpoint cannot be grouped by (never sent as
    /// `group_by`): stored when a result has them, "not grouped" otherwise.
    public let carriedDimensions: [Dimension]
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

    /// The dimension fields a decoded result carries, in this order: the groupable ones, then the
    /// carried ones (costs' `api_key_id`, which the live API sets on cost results though it refuses
    /// to group by it; completions' `api_source`, which the reference lists but does not confirm as
    /// a grouping).
    public var resultDimensions: [Dimension] { groupBy + carriedDimensions }

    public init(name: String, path: String, widths: [BucketWidth], limits: [BucketWidth: (defaultLimit: Int, maxLimit: Int)],
                groupBy: [Dimension], carriedDimensions: [Dimension] = [], arrayFilters: [String: Dimension], booleanFilters: [String],
                resultObject: String, metrics: [Metric]) {
        (self.name, self.path, self.widths, self.limits, self.groupBy, self.carriedDimensions) = (name, path, widths, limits, groupBy, carriedDimensions)
        (self.arrayFilters, self.booleanFilters, self.resultObject, self.metrics) = (arrayFilters, booleanFilters, resultObject, metrics)
    }

    /// This endpoint as a release that knew only some of its metrics saw it: `metrics` without
    /// those named (what archive replay is tested against: columns a later release fills).
    public func knowing(metricsWithout unknown: Set<String>) -> Endpoint {
        Endpoint(name: name, path: path, widths: widths, limits: limits, groupBy: groupBy, carriedDimensions: carriedDimensions,
                 arrayFilters: arrayFilters, booleanFilters: booleanFilters, resultObject: resultObject,
                 metrics: metrics.filter { !unknown.contains($0.name) })
    }

    /// The metric of the given name, if the endpoint has it.
    public func metric(_ name: String) -> Metric? { metrics.first { $0.name == name } }
}
