/// One decoded page of a usage or costs endpoint.
public struct UsagePage: Sendable {
    public var buckets: [UsageBucket]
    public var hasMore: Bool
    public var nextPage: String?
    /// Human-readable notes about tolerated irregularities (e.g. duplicate results summed).
    public var warnings: [String]

    public init(buckets: [UsageBucket], hasMore: Bool, nextPage: String?, warnings: [String]) {
        self.buckets = buckets
        self.hasMore = hasMore
        self.nextPage = nextPage
        self.warnings = warnings
    }
}

/// One time bucket of a page.
public struct UsageBucket: Sendable {
    public var startTime: Int64
    public var endTime: Int64
    public var results: [UsageResult]
    /// Result fields the endpoint's catalog entry does not know, with how many of this bucket's
    /// results carried each: accepted, not stored, and reported (`usage-etl status`).
    public var unknownFields: [String: Int] = [:]
}

/// One result: dimension values in `Endpoint.resultDimensions` order (nil = the API said null)
/// and metric values in `Endpoint.metrics` order (nil = omitted or null).
public struct UsageResult: Sendable, Equatable {
    public var dimensions: [String?]
    public var values: [MetricValue?]

    /// The metric values as exact text (a count in its decimal digits).
    public var metrics: [String?] { values.map { $0?.text } }
}

/// A metric's value as decoded: a count as its integer (checked to fit 64 bits), a decimal or a
/// text as its exact text (a decimal never passes through `Double`).
public enum MetricValue: Sendable, Equatable {
    case count(Int64)
    case text(String)

    /// The value's exact text.
    public var text: String {
        switch self {
        case .count(let number): String(number)
        case .text(let text): text
        }
    }
}

/// A response that does not match its endpoint's schema, located precisely.
public struct DecodeError: Error, CustomStringConvertible, Sendable {
    public var endpoint: String
    /// Filled in by the caller that knows the window and page.
    public var context: String = ""
    public var bucket: Int?
    public var result: Int?
    public var field: String
    public var reason: String
    /// The byte of the page where decoding stopped (for invalid JSON, the offending byte).
    public var offset: Int?

    public init(endpoint: String, context: String = "", bucket: Int? = nil, result: Int? = nil, field: String, reason: String,
                offset: Int? = nil) {
        self.endpoint = endpoint
        self.context = context
        self.bucket = bucket
        self.result = result
        self.field = field
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        var location = "endpoint \(endpoint)"
        if !context.isEmpty { location += ", \(context)" }
        if let bucket { location += ", bucket \(bucket)" }
        if let result { location += ", result \(result)" }
        if let offset { location += ", byte \(offset)" }
        return "malformed response (\(location), field '\(field)'): \(reason)"
    }
}

/// Result fields an endpoint's catalog entry does not know, over some buckets: how many results
/// of each bucket carried each. At most `limit` names are kept apart; results carrying further
/// names count under `others` (a page cannot grow the reports without bound).
public struct UnknownFields: Sendable, Equatable {
    /// Field name → bucket start → results.
    public private(set) var buckets: [String: [Int64: Int]] = [:]

    public static let limit = 100
    /// The name further unknown fields are counted under once `limit` names are kept.
    public static let others = "(more unknown fields)"

    public init() {}

    public var isEmpty: Bool { buckets.isEmpty }

    /// The fields, with their results and first bucket, by name.
    public var totals: [(field: String, results: Int, firstBucket: Int64)] {
        buckets.map { field, counts in
            (field, counts.values.reduce(0) { $0.addingReportingOverflow($1).overflow ? .max : $0 + $1 }, counts.keys.min() ?? 0)
        }.sorted { $0.field < $1.field }
    }

    /// Counts the unknown fields of one decoded bucket.
    public mutating func add(_ bucket: UsageBucket) {
        for (name, results) in bucket.unknownFields { add(name, bucket: bucket.startTime, results: results) }
    }

    /// Adds another tally (another window's, another worker's).
    public mutating func add(_ other: UnknownFields) {
        for (name, counts) in other.buckets {
            for (bucket, results) in counts { add(name, bucket: bucket, results: results) }
        }
    }

    private mutating func add(_ name: String, bucket: Int64, results: Int) {
        let key = buckets[name] != nil || buckets.count < Self.limit ? name : Self.others
        let (sum, overflow) = (buckets[key]?[bucket] ?? 0).addingReportingOverflow(results)
        buckets[key, default: [:]][bucket] = overflow ? .max : sum
    }
}
