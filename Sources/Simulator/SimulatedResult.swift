// The values the ground truth computes: buckets, their result rows and each row's values.

import UsageAPI

/// One value of a result, as the simulator computes it.
public enum SimulatedValue: Sendable, Equatable {
    case count(Int64)
    /// Exact decimal text.
    case decimal(String)
    case text(String)
    case null
}

/// One result row: the grouped dimension values (nil = null) and the metrics by name.
public struct SimulatedResult: Sendable, Equatable {
    public var dimensions: [Dimension: String?]
    public var values: [String: SimulatedValue]
}

/// One time bucket and its results.
public struct SimulatedBucket: Sendable, Equatable {
    public var startTime: Int64
    public var endTime: Int64
    public var results: [SimulatedResult]
}
