import Bodies
import Logging
import Postgres
import UsageAPI
import Warehouse

/// Transforms a window's archived pages and replaces its slice of the warehouse, marking it done,
/// in one transaction. Used after fetching (the runner) and to rebuild from the archive (replay).
/// Pages are streamed from their compressed form bucket by bucket, so memory does not grow with
/// the size of a page or window.
struct WindowLoader {
    let connection: PostgresConnection
    /// Where new dimension values are registered, outside the load's transaction (see `FactLoader`).
    let dimensions: PostgresConnection?
    let logger: Logger

    /// Transactions lost to a deadlock or a serialization race are tried again this many times.
    static let attempts = 3

    /// Loads the pages of the window's current generation from the archive. `verify` checks every
    /// page's digest (replay; pages archived by this process moments ago need not be).
    /// `provisional` nil keeps the stored flag. Only the buckets no newer fetch of an overlapping
    /// window of the stream holds are replaced; loads of overlapping windows take turns.
    /// What one load wrote: fact rows, and the result fields the catalog did not know.
    struct Loaded {
        var rows: Int
        var unknownFields: UnknownFields
    }

    /// `bodies`: the window's pages this process fetched (and archived) moments ago, when it has them all.
    func load(_ window: WindowRecord, spec: StreamSpec, streamID: Int, provisional: Bool?, verify: Bool,
              bodies fetched: [CompressedBody]? = nil) throws -> Loaded {
        let bodies = try fetched ?? Archive(connection: connection).bodies(windowID: window.id, generation: window.generation)
        guard bodies.count == window.pagesFetched else {
            throw ArchiveError(windowID: window.id, pageIndex: bodies.count, reason: "missing from the archive")
        }
        let facts = FactLoader(connection: connection, dimensions: dimensions)
        try facts.ensurePartitions(endpoint: spec.endpoint, window: window.range)
        let store = WindowStore(connection: connection)
        var attempt = 1
        while true {
            do {
                var buckets = ArchivedBuckets(window: window, bodies: bodies, decoder: PageDecoder(endpoint: spec.endpoint), verify: verify,
                                              step: spec.endpoint.isCosts ? 86_400 : spec.width.seconds)
                return try connection.transaction {
                    try store.lockStreamSpan(streamID: streamID, range: window.range)
                    let owned = try store.ownedBuckets(windowID: window.id)
                    let rows = try facts.replaceSlice(spec: spec, streamID: streamID, window: window.range, owned: owned) {
                        try buckets.next()
                    }
                    for warning in Set(buckets.warnings) { logger.warning("\(spec.endpoint.name): \(warning)") }
                    try store.replaceUnknownFields(of: window.id, with: buckets.unknownFields)
                    try store.markDone(window.id, rows: rows, provisional: provisional)
                    return Loaded(rows: rows, unknownFields: buckets.unknownFields)
                }
            } catch let error as PostgresError where error.isOne(of: .deadlockDetected, .serializationFailure) && attempt < Self.attempts {
                logger.warning("\(spec.endpoint.name): load of window \(window.id) lost a lock race (\(error.sqlState ?? "")); trying again")
                attempt += 1
            }
        }
    }
}

/// The buckets of a window's archived pages, in order, decoded one at a time.
struct ArchivedBuckets {
    let window: WindowRecord
    let bodies: [CompressedBody]
    let decoder: PageDecoder
    let verify: Bool
    /// The buckets must reach this far: the window's end, or the start of the bucket that was
    /// running when the pages were fetched. Pages that stop short (an early empty page) leave
    /// buckets unaccounted for, and their rows must not be deleted as vanished.
    let expectedEnd: Int64
    private var pageIndex = -1
    private var reader: PageReader?
    private var reached = Int64.min
    private(set) var warnings: [String] = []
    /// Result fields the decoder's catalog did not know, over the buckets read so far.
    private(set) var unknownFields = UnknownFields()

    init(window: WindowRecord, bodies: [CompressedBody], decoder: PageDecoder, verify: Bool, step: Int64) {
        self.window = window
        self.bodies = bodies
        self.decoder = decoder
        self.verify = verify
        let running = window.fetchedAt.map { floorDiv($0, step) * step } ?? window.range.end
        expectedEnd = min(window.range.end, running)
    }

    /// The next bucket, or nil after the last page.
    mutating func next() throws -> UsageBucket? {
        while true {
            do {
                if let bucket = try reader?.nextBucket() {
                    reached = max(reached, bucket.endTime)
                    if !bucket.unknownFields.isEmpty { unknownFields.add(bucket) }
                    return bucket
                }
                if let finished = reader {
                    _ = try finished.ending()
                    warnings += finished.warnings
                }
                pageIndex += 1
                guard pageIndex < bodies.count else {
                    reader = nil
                    if expectedEnd > window.range.start && reached < expectedEnd {
                        throw DecodeError(endpoint: decoder.endpoint.name, field: "(pages)",
                                          reason: "the pages end at \(reached == .min ? "no bucket" : UTCTime.format(reached)), before the window's buckets do (\(UTCTime.format(expectedEnd))): pagination stopped early")
                    }
                    return nil
                }
                reader = try decoder.reader(streaming: bodies[pageIndex].stream(verify: verify))
            } catch var error as DecodeError {
                error.context = "window \(window.id), page \(pageIndex)"
                throw error
            } catch let error as CompressedBody.Unreadable {
                throw ArchiveError(windowID: window.id, pageIndex: pageIndex, reason: error.reason)
            }
        }
    }
}
