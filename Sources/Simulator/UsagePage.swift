/// Which buckets one page of a usage or costs answer holds and where the next page starts:
/// `limit` buckets from the one the cursor names, bent by the live quirks and broken-API faults
/// that concern paging (short pages, the costs endpoint's empty last page, early empty pages,
/// cursors that loop).
struct UsagePage {
    /// The page's buckets, (start, end), oldest first.
    var buckets: [(Int64, Int64)]
    var hasMore: Bool
    /// Where the next page starts (what its `next_page` cursor names); nil: no cursor.
    var nextStart: Int64?

    /// The page of `ranges` (all the answer's buckets) starting at `pageStart` (nil: the first
    /// page), at most `limit` buckets; nil when `pageStart` names no bucket of the answer.
    init?(ranges: [(Int64, Int64)], pageStart: Int64?, limit: Int, isCosts: Bool, faults: FaultConfiguration) {
        var ranges = ranges
        var emptyQuirkPage = false
        if let pageStart {
            if let index = ranges.firstIndex(where: { $0.0 == pageStart }) {
                ranges.removeFirst(index)
            } else if isCosts && faults.costsEmptyPageQuirk && pageStart >= (ranges.last?.1 ?? 0) {
                ranges = []
                emptyQuirkPage = true
            } else {
                return nil
            }
        }
        let pageSize = min(limit, max(1, faults.shortPageBuckets ?? limit))
        buckets = Array(ranges.prefix(pageSize))
        hasMore = ranges.count > pageSize
        nextStart = hasMore ? ranges[pageSize].0 : nil
        if faults.earlyEmptyPage && pageStart != nil {
            buckets = []
            hasMore = false
            nextStart = nil
        }
        if !hasMore && isCosts && faults.costsEmptyPageQuirk {
            // The live bug: the last page still says has_more, and so does the empty page after it.
            if emptyQuirkPage, let pageStart {
                hasMore = true
                nextStart = pageStart
            } else if let last = buckets.last {
                hasMore = true
                nextStart = last.1
            }
        }
        if faults.loopingCursor, let pageStart, !buckets.isEmpty {
            hasMore = true
            nextStart = pageStart
        }
    }

    /// Whether the page holds the bucket that starts at `start`.
    func holds(bucketStart start: Int64) -> Bool {
        buckets.contains { $0.0 <= start && start < $0.1 }
    }
}
