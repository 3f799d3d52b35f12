import UsageAPI

/// Splits a range into request windows aligned to bucket boundaries, each as large as the API's
/// `limit` cap allows, so the range takes the fewest requests possible.
public struct WindowPlanner: Sendable {
    /// The plan for one stream.
    public struct Plan: Sendable {
        public var windows: [TimeRange]
        /// The requested range widened to whole buckets.
        public var aligned: TimeRange
        /// Set when the requested range was not on bucket boundaries.
        public var widenedNotice: String?
    }

    /// How long after a bucket closes its numbers may still change.
    public static func grace(for endpoint: Endpoint, width: BucketWidth) -> Int64 {
        switch width {
        case .minute: 15 * 60
        case .hour: 2 * 3600
        case .day: 86_400
        }
    }

    public init() {}

    /// How far back the API serves usage and costs (`reporting_lookback_exceeded` beyond).
    public static let servedSeconds: Int64 = EndpointCatalog.reportingHistorySeconds
    /// Slack between planning and the first request, so the first window is still served then.
    public static let servedMargin: Int64 = 3600

    /// The first bucket boundary at a width the API will still serve an hour from `now`.
    public static func firstServed(width: BucketWidth, now: Int64) -> Int64 {
        ceilDiv(now - servedSeconds + servedMargin, width.seconds) * width.seconds
    }

    /// Plans [since, until) for an endpoint at a width. `now` bounds the end to the current bucket,
    /// and the start to the first bucket the API still serves (a window reaching further back
    /// would be refused with `reporting_lookback_exceeded` on every try).
    public func plan(endpoint: Endpoint, width: BucketWidth, since: Int64, until: Int64, now: Int64) -> Plan {
        let step = width.seconds
        var alignedStart = floorDiv(since, step) * step
        var clippedNotice: String? = nil
        let served = Self.firstServed(width: width, now: now)
        if alignedStart < served {
            alignedStart = served
            clippedNotice = "the API serves only the last year: starting at \(UTCTime.format(served)), the first whole \(width.rawValue) bucket it will still serve"
        }
        var alignedEnd = ceilDiv(until, step) * step
        alignedEnd = min(alignedEnd, ceilDiv(now, step) * step)
        var notice: String? = nil
        if let clippedNotice {
            notice = clippedNotice
        } else if alignedStart != since || (alignedEnd != until && until <= now) {
            notice = "range \(UTCTime.format(since))..\(UTCTime.format(until)) widened to whole \(width.rawValue) buckets: \(UTCTime.format(alignedStart))..\(UTCTime.format(alignedEnd))"
        }
        let span = Int64(endpoint.maxLimit(for: width)) * step
        var windows: [TimeRange] = []
        var start = alignedStart
        while start < alignedEnd {
            let end = min(start + span, alignedEnd)
            windows.append(TimeRange(start: start, end: end))
            start = end
        }
        return Plan(windows: windows, aligned: TimeRange(start: alignedStart, end: max(alignedStart, alignedEnd)), widenedNotice: notice)
    }

    /// True when a window still holds buckets that may change (not closed plus the grace period).
    public static func isProvisional(_ window: TimeRange, endpoint: Endpoint, width: BucketWidth, now: Int64) -> Bool {
        window.end + grace(for: endpoint, width: width) > now
    }
}
