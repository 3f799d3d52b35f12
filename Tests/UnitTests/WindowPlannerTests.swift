@testable import Pipeline
import Testing
import UsageAPI

@Suite("Window planner")
struct WindowPlannerTests {
    static let now: Int64 = 1_767_225_600 // 2026-01-01T00:00:00Z

    /// Windows cover the aligned range exactly, never overlap, stay within the cap, and their
    /// number equals the minimum the cap allows.
    @Test(arguments: EndpointCatalog.all)
    func windowsCoverExactlyWithinCapsAtMinimumCount(endpoint: Endpoint) {
        var seed: UInt64 = 0x1234
        for _ in 0..<200 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let width = endpoint.widths[Int(seed >> 60) % endpoint.widths.count]
            let span = Int64((seed >> 20) % 1_000_000_000) % (width == .minute ? 5 * 86_400 : 300 * 86_400) + 1
            let since = Self.now - 330 * 86_400 + Int64((seed >> 8) % 86_400)
            let until = min(since + span, Self.now)
            guard until > since else { continue }
            let plan = WindowPlanner().plan(endpoint: endpoint, width: width, since: since, until: until, now: Self.now)
            let step = width.seconds
            #expect(plan.aligned.start % step == 0 && plan.aligned.end % step == 0)
            #expect(plan.aligned.start <= since && plan.aligned.end >= until)
            #expect(plan.windows.first?.start == plan.aligned.start)
            #expect(plan.windows.last?.end == plan.aligned.end)
            let cap = Int64(endpoint.maxLimit(for: width)) * step
            for (a, b) in zip(plan.windows, plan.windows.dropFirst()) { #expect(a.end == b.start) }
            #expect(plan.windows.allSatisfy { $0.end - $0.start <= cap && $0.end > $0.start })
            let buckets = (plan.aligned.end - plan.aligned.start) / step
            let minimum = (buckets + Int64(endpoint.maxLimit(for: width)) - 1) / Int64(endpoint.maxLimit(for: width))
            #expect(Int64(plan.windows.count) == minimum)
        }
    }

    @Test func unalignedInputIsWidenedAndSaysSo() {
        let plan = WindowPlanner().plan(endpoint: EndpointCatalog.completions, width: .day,
                                        since: Self.now - 10 * 86_400 + 3600, until: Self.now - 86_400 + 60, now: Self.now)
        #expect(plan.aligned == TimeRange(start: Self.now - 10 * 86_400, end: Self.now))
        #expect(plan.widenedNotice?.contains("widened") == true)
    }

    @Test func recentWindowsAreProvisional() {
        let recent = TimeRange(start: Self.now - 86_400, end: Self.now)
        #expect(WindowPlanner.isProvisional(recent, endpoint: EndpointCatalog.costs, width: .day, now: Self.now + 3600))
        #expect(!WindowPlanner.isProvisional(recent, endpoint: EndpointCatalog.costs, width: .day, now: Self.now + 2 * 86_400))
    }

    @Test func datesAndTimestampsParse() {
        #expect(UTCTime.parse("2026-01-01") == Self.now)
        #expect(UTCTime.parse("2026-01-01T01:00:00Z") == Self.now + 3600)
        #expect(UTCTime.parse("2026-01-01T02:00:00+01:00") == Self.now + 3600)
        #expect(UTCTime.parse("yesterday") == nil)
    }

    /// A range reaching into the last hours the API still serves starts at the first whole bucket
    /// it will serve an hour from now, never at the midnight before the limit.
    @Test(arguments: [BucketWidth.day, .hour, .minute])
    func theFirstWindowStartsWhereTheAPIStillServes(width: BucketWidth) {
        let limit = Self.now - 365 * 86_400
        let plan = WindowPlanner().plan(endpoint: EndpointCatalog.completions, width: width, since: limit + 60, until: limit + 3 * 86_400,
                                        now: Self.now)
        #expect(plan.windows.allSatisfy { $0.start >= limit + WindowPlanner.servedMargin })
        #expect(plan.aligned.start % width.seconds == 0)
        #expect(plan.widenedNotice?.contains("serves only the last year") == true)
    }
}

@Suite("Replay order")
struct ReplayOrderTests {
    /// Workers are dealt windows from runs far apart in time; every window exactly once.
    @Test(arguments: [(10, 2, [0, 5, 1, 6, 2, 7, 3, 8, 4, 9]), (10, 3, [0, 4, 8, 1, 5, 9, 2, 6, 3, 7]),
                      (3, 8, [0, 1, 2]), (5, 1, [0, 1, 2, 3, 4]), (0, 2, [])])
    func windowsAreDealtFromRunsFarApart(count: Int, runs: Int, expected: [Int]) {
        let order = Replayer.spreadOut(Array(0..<count), over: runs)
        #expect(order == expected)
        #expect(order.sorted() == Array(0..<count))
    }
}
