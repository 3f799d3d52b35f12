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
/// and metric values as exact text in `Endpoint.metrics` order (nil = omitted or null).
public struct UsageResult: Sendable, Equatable {
    public var dimensions: [String?]
    public var metrics: [String?]
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
/// carried each, and the start of the first bucket that did.
public struct UnknownFields: Sendable, Equatable {
    public struct Count: Sendable, Equatable {
        public var results: Int
        public var firstBucket: Int64
    }

    public private(set) var fields: [String: Count] = [:]

    public init() {}

    public var isEmpty: Bool { fields.isEmpty }

    /// Counts the unknown fields of one decoded bucket.
    public mutating func add(_ bucket: UsageBucket) {
        for (name, results) in bucket.unknownFields { add(name, Count(results: results, firstBucket: bucket.startTime)) }
    }

    /// Adds another tally (another window's, another worker's).
    public mutating func add(_ other: UnknownFields) {
        for (name, count) in other.fields { add(name, count) }
    }

    private mutating func add(_ name: String, _ count: Count) {
        if let known = fields[name] {
            let (sum, overflow) = known.results.addingReportingOverflow(count.results)
            fields[name] = Count(results: overflow ? .max : sum, firstBucket: min(known.firstBucket, count.firstBucket))
        } else {
            fields[name] = count
        }
    }
}
