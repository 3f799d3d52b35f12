import APIClient
import Testing
import UsageAPI
@testable import Pipeline

/// The pagination guards, without a server: `PageLoop` judges page summaries alone.
@Suite("Page loop")
struct PageLoopTests {
    static let hour: Int64 = 3600
    /// A one-day window at 1h: 24 buckets.
    static let day = TimeRange(start: 1_767_225_600, end: 1_767_225_600 + 86_400)

    /// The `LoopingCursor` `body` throws, nil when it throws none.
    func looping(_ body: () throws -> Void) -> LoopingCursor? {
        do { try body() } catch let error as LoopingCursor { return error } catch { Issue.record("unexpected \(error)") }
        return nil
    }

    func page(_ first: Int64?, _ last: Int64?, count: Int, next: String?) -> PageSummary {
        PageSummary(hasMore: next != nil, nextPage: next, bucketCount: count, firstBucketStart: first, lastBucketStart: last)
    }

    @Test func followsTheCursorsToTheLastPage() throws {
        var loop = PageLoop(window: Self.day, step: Self.hour, pagesFetched: 0)
        let start = Self.day.start
        #expect(try loop.next(pagesFetched: 0, nextPage: nil) == .fetch(cursor: nil))
        let a = try loop.accept(page(start, start + 11 * Self.hour, count: 12, next: "a"), index: 0, requested: nil)
        #expect(a == "a")
        #expect(try loop.next(pagesFetched: 1, nextPage: a) == .fetch(cursor: "a"))
        let last = try loop.accept(page(start + 12 * Self.hour, start + 23 * Self.hour, count: 12, next: nil), index: 1, requested: "a")
        #expect(last == nil)
        #expect(try loop.next(pagesFetched: 2, nextPage: nil) == .finished)
    }

    @Test func aCursorSeenTwiceIsALoop() throws {
        var loop = PageLoop(window: Self.day, step: Self.hour, pagesFetched: 0)
        let start = Self.day.start
        _ = try loop.accept(page(start, start, count: 1, next: "a"), index: 0, requested: nil)
        _ = try loop.accept(page(start + Self.hour, start + Self.hour, count: 1, next: "b"), index: 1, requested: "a")
        #expect(looping {
            _ = try loop.accept(page(start + 2 * Self.hour, start + 2 * Self.hour, count: 1, next: "a"), index: 2, requested: "b")
        } != nil)
    }

    @Test func aPageReturningItsOwnCursorIsALoop() throws {
        var loop = PageLoop(window: Self.day, step: Self.hour, pagesFetched: 3)
        #expect(looping {
            _ = try loop.accept(page(Self.day.start, Self.day.start, count: 1, next: "same"), index: 3, requested: "same")
        } != nil)
    }

    @Test func aPageThatDoesNotAdvanceIsALoop() throws {
        var loop = PageLoop(window: Self.day, step: Self.hour, pagesFetched: 0)
        let start = Self.day.start
        _ = try loop.accept(page(start, start + 5 * Self.hour, count: 6, next: "a"), index: 0, requested: nil)
        let error = looping {
            _ = try loop.accept(page(start + 5 * Self.hour, start + 8 * Self.hour, count: 4, next: "b"), index: 1, requested: "a")
        }
        #expect(error?.reason.contains("page 1 starts at a bucket already fetched") == true)
    }

    @Test func anEmptyPageEndsTheWindowWhateverItSaysOfMore() throws {
        var loop = PageLoop(window: Self.day, step: Self.hour, pagesFetched: 0)
        #expect(try loop.accept(page(nil, nil, count: 0, next: "more"), index: 0, requested: nil) == nil)
        #expect(try loop.next(pagesFetched: 1, nextPage: nil) == .finished)
    }

    @Test func shortPagesAreAcceptedUpToTheBucketCountBound() throws {
        // 24 buckets: at most 24 + 2 pages, each bringing one bucket.
        var loop = PageLoop(window: Self.day, step: Self.hour, pagesFetched: 0)
        #expect(loop.maxPages == 26)
        var cursor: String? = nil
        for index in 0..<24 {
            let bucket = Self.day.start + Int64(index) * Self.hour
            #expect(try loop.next(pagesFetched: index, nextPage: cursor) == .fetch(cursor: cursor))
            cursor = try loop.accept(page(bucket, bucket, count: 1, next: "c\(index)"), index: index, requested: cursor)
        }
        #expect(try loop.next(pagesFetched: 24, nextPage: cursor) == .fetch(cursor: "c23"))
        #expect(try loop.next(pagesFetched: 25, nextPage: "c24") == .fetch(cursor: "c24"))
        #expect(looping { _ = try loop.next(pagesFetched: 26, nextPage: "c25") } != nil)
    }

    @Test func theBoundCountsFromWhereAResumedWindowStood() {
        let loop = PageLoop(window: Self.day, step: Self.hour, pagesFetched: 5)
        #expect(loop.maxPages == 5 + 24 + 2)
        #expect(PageLoop(window: Self.day, step: 86_400, pagesFetched: 0).maxPages == 3, "costs: one daily bucket")
    }

    @Test func aRefusedCursorRestartsAtMostTwiceAndNeverOnTheFirstPage() throws {
        var loop = PageLoop(window: Self.day, step: Self.hour, pagesFetched: 0)
        let onFirstPage = loop.cursorRefused(nil)
        #expect(!onFirstPage, "a first page has no cursor to refuse")
        let start = Self.day.start
        _ = try loop.accept(page(start, start + 11 * Self.hour, count: 12, next: "a"), index: 0, requested: nil)
        let first = loop.cursorRefused("a")
        #expect(first)
        // After the restart the window's pages begin again at its first bucket, and "a" may come back.
        #expect(try loop.accept(page(start, start + 11 * Self.hour, count: 12, next: "a"), index: 0, requested: nil) == "a")
        let second = loop.cursorRefused("a"), third = loop.cursorRefused("a")
        #expect(second)
        #expect(!third, "a third refusal fails the window")
        #expect(loop.restarts == 2)
    }

    @Test func hugeWindowsDoNotOverflowTheBound() {
        let loop = PageLoop(window: TimeRange(start: .min / 2, end: .max / 2), step: 1, pagesFetched: .max - 1)
        #expect(loop.maxPages == .max)
    }
}
