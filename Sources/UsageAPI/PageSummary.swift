import JSON

/// What a page says about pagination and where its buckets lie: enough to follow and check the
/// cursor chain without keeping the page.
public struct PageSummary: Sendable, Equatable {
    public var hasMore: Bool
    public var nextPage: String?
    public var bucketCount: Int
    public var firstBucketStart: Int64?
    public var lastBucketStart: Int64?

    public init(hasMore: Bool, nextPage: String?, bucketCount: Int, firstBucketStart: Int64?, lastBucketStart: Int64?) {
        self.hasMore = hasMore
        self.nextPage = nextPage
        self.bucketCount = bucketCount
        self.firstBucketStart = firstBucketStart
        self.lastBucketStart = lastBucketStart
    }
}

extension PageDecoder {
    /// Reads a streamed page for its summary: the whole document's syntax is checked (a truncated
    /// or garbled body is refused) and the buckets' times and pagination fields are decoded; results
    /// are passed over, building nothing, and decoded (with every other check) when loaded.
    public func summarize(streaming source: @escaping (inout [UInt8]) throws -> Bool,
                          readAhead: Int = JSONParser.defaultReadAhead) throws -> PageSummary {
        var reader = try reader(streaming: source, results: false, readAhead: readAhead)
        var count = 0
        var first: Int64? = nil, last: Int64? = nil
        while let bucket = try reader.nextBucket() {
            count += 1
            if first == nil { first = bucket.startTime }
            last = bucket.startTime
        }
        let ending = try reader.ending()
        return PageSummary(hasMore: ending.hasMore, nextPage: ending.nextPage, bucketCount: count,
                           firstBucketStart: first, lastBucketStart: last)
    }
}
