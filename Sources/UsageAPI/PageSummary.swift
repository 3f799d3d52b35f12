/// What a page says about pagination and where its buckets lie: enough to follow and check the
/// cursor chain without keeping the page.
public struct PageSummary: Sendable, Equatable {
    public var hasMore: Bool
    public var nextPage: String?
    public var bucketCount: Int
    public var firstBucketStart: Int64?
    public var lastBucketStart: Int64?
}

extension PageDecoder {
    /// Decodes a streamed page completely (every check a load makes) and keeps only its summary.
    public func summarize(streaming source: @escaping (inout [UInt8]) throws -> Bool) throws -> PageSummary {
        var reader = try reader(streaming: source)
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
