import APIClient
import UsageAPI

/// The pagination of one window as a pure state machine: it decides, from the window's checkpoint
/// and each page's summary, whether another page is due, which cursor the checkpoint keeps, and
/// when the API is looping. No I/O: the runner fetches and archives; this only judges.
///
/// The guards: a cursor seen twice in one window, a page that starts at a bucket already fetched
/// (it does not advance), and more pages than the window has buckets (every page but the last
/// must bring at least one new bucket; the live API sends short pages, and some endpoints add an
/// empty last page) all throw `LoopingCursor`. A refused cursor restarts the window from its
/// start, at most `maxRestarts` times.
public struct PageLoop: Sendable {
    public static let maxRestarts = 2

    /// Buckets in the window at its width (costs: days).
    public let buckets: Int
    /// No more pages than this may be fetched in one generation.
    public let maxPages: Int
    private var seen: Set<String> = []
    private var lastBucketStart = Int64.min
    public private(set) var restarts = 0

    /// `pagesFetched`: pages the window's checkpoint already holds (a resumed window).
    public init(window: TimeRange, step: Int64, pagesFetched: Int) {
        let span = max(0, window.end - window.start)
        buckets = Int(clamping: step > 0 ? ceilDiv(span, step) : span)
        // pagesFetched + buckets + 2 (the empty last page some endpoints add), saturating.
        let (sum, first) = pagesFetched.addingReportingOverflow(buckets)
        let (bound, second) = sum.addingReportingOverflow(2)
        maxPages = first || second ? .max : bound
    }

    /// What to do next for a window at this checkpoint.
    public enum Step: Equatable, Sendable {
        /// Fetch the page at `cursor` (nil: the window's first page).
        case fetch(cursor: String?)
        /// The last page is archived.
        case finished
    }

    /// The next step at a checkpoint, or `LoopingCursor` when the window already had as many pages as it can.
    public func next(pagesFetched: Int, nextPage: String?) throws -> Step {
        if pagesFetched > 0 && nextPage == nil { return .finished }
        guard pagesFetched < maxPages else {
            throw LoopingCursor(reason: "\(pagesFetched) pages fetched for a window of \(buckets) buckets")
        }
        return .fetch(cursor: nextPage)
    }

    /// The API refused the cursor `cursor`: true when the window should restart from its start
    /// (a first page cannot be refused for its cursor; restarts are bounded).
    public mutating func cursorRefused(_ cursor: String?) -> Bool {
        guard cursor != nil, restarts < Self.maxRestarts else { return false }
        restarts += 1
        seen.removeAll()
        lastBucketStart = .min // the restarted window's pages begin again at its first bucket
        return true
    }

    /// Judges a fetched page: the cursor the checkpoint keeps (nil: it was the last page), or
    /// `LoopingCursor`. `index` is the page's index in the window; `requested` the cursor it was
    /// fetched with.
    public mutating func accept(_ page: PageSummary, index: Int, requested: String?) throws -> String? {
        // A page without buckets ends the window whatever it says of more.
        let next = page.hasMore && page.bucketCount > 0 ? page.nextPage : nil
        if let cursor = next {
            guard cursor != requested, seen.insert(cursor).inserted else {
                throw LoopingCursor(reason: "the API returned cursor \(cursor.prefix(40)) twice for one window")
            }
        }
        if let first = page.firstBucketStart, let last = page.lastBucketStart {
            guard first > lastBucketStart else {
                throw LoopingCursor(reason: "page \(index) starts at a bucket already fetched")
            }
            lastBucketStart = last
        }
        return next
    }
}
