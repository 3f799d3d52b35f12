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
    let logger: Logger

    /// Loads the pages of the window's current generation from the archive. `verify` checks every
    /// page's digest (replay; pages archived by this process moments ago need not be).
    /// `provisional` nil keeps the stored flag.
    func load(_ window: WindowRecord, spec: StreamSpec, streamID: Int, provisional: Bool?, verify: Bool) throws -> Int {
        let bodies = try Archive(connection: connection).bodies(windowID: window.id, generation: window.generation)
        guard bodies.count == window.pagesFetched else {
            throw ArchiveError(windowID: window.id, pageIndex: bodies.count, reason: "missing from the archive")
        }
        var buckets = ArchivedBuckets(window: window, bodies: bodies, decoder: PageDecoder(endpoint: spec.endpoint), verify: verify)
        return try connection.transaction {
            let rows = try FactLoader(connection: connection).replaceSlice(spec: spec, streamID: streamID, window: window.range) {
                try buckets.next()
            }
            for warning in Set(buckets.warnings) { logger.warning("\(spec.endpoint.name): \(warning)") }
            try connection.query("""
                UPDATE etl.windows SET state = 'done', provisional = coalesce($2::boolean, provisional), rows_loaded = $3,
                       loaded_at = now(), last_error = NULL, updated_at = now()
                WHERE window_id = $1
                """, [.int64(window.id), provisional.map { .bool($0) } ?? .null, .int(rows)])
            return rows
        }
    }
}

/// The buckets of a window's archived pages, in order, decoded one at a time.
struct ArchivedBuckets {
    let window: WindowRecord
    let bodies: [CompressedBody]
    let decoder: PageDecoder
    let verify: Bool
    private var pageIndex = -1
    private var reader: PageReader?
    private(set) var warnings: [String] = []

    init(window: WindowRecord, bodies: [CompressedBody], decoder: PageDecoder, verify: Bool) {
        self.window = window
        self.bodies = bodies
        self.decoder = decoder
        self.verify = verify
    }

    /// The next bucket, or nil after the last page.
    mutating func next() throws -> UsageBucket? {
        while true {
            do {
                if reader != nil, let bucket = try reader!.nextBucket() { return bucket }
                if let finished = reader {
                    _ = try finished.ending()
                    warnings += finished.warnings
                }
                pageIndex += 1
                guard pageIndex < bodies.count else { reader = nil; return nil }
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
