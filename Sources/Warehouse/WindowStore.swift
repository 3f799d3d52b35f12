import Bodies
import Postgres
import UsageAPI

/// Streams, windows and checkpoints in schema `etl`, and the one owner of every change to
/// `etl.windows`: planned, claimed, running, a page archived (the checkpoint advances), restarted
/// in a new generation, done, failed. Each transition that returns the window returns it as it is
/// now, read in the same statement.
public struct WindowStore {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    // MARK: - Streams

    /// The stream id of a spec, created on first use.
    public func streamID(for spec: StreamSpec) throws -> Int {
        let params: [PostgresValue] = [.text(spec.organization), .text(spec.endpoint.name), .text(spec.width.rawValue),
                                       PostgresArray.text(spec.groupBy.map(\.rawValue)),
                                       .text(spec.canonicalFilters)]
        try connection.query("""
            INSERT INTO etl.streams (organization, endpoint, bucket_width, group_by, filters)
            VALUES ($1, $2, $3, $4::text[], $5) ON CONFLICT DO NOTHING
            """, params)
        return try connection.query("""
            SELECT stream_id FROM etl.streams
            WHERE organization = $1 AND endpoint = $2 AND bucket_width = $3 AND group_by = $4::text[] AND filters = $5
            """, params).single("etl.streams.stream_id").decode(Int.self)
    }

    /// A stream that names an endpoint or width this build does not know.
    public struct UnknownStream: Error, CustomStringConvertible {
        public var streamID: Int
        public var description: String { "stream \(streamID) names an endpoint or bucket width this version does not know" }
    }

    /// Rebuilds a stream's spec from `etl.streams`.
    public func spec(streamID: Int) throws -> StreamSpec {
        let (organization, endpointName, widthName, groupList, filterText) = try connection.query("""
            SELECT organization, endpoint, bucket_width, array_to_string(group_by, ','), filters FROM etl.streams WHERE stream_id = $1
            """, [.int(streamID)]).single("etl.streams of stream \(streamID)").decode(String.self, String.self, String.self, String.self, String.self)
        guard let endpoint = EndpointCatalog.named(endpointName), let width = BucketWidth(rawValue: widthName) else {
            throw UnknownStream(streamID: streamID)
        }
        let groups = groupList.split(separator: ",").compactMap { Dimension(rawValue: String($0)) }
        var filters: [String: [String]] = [:]
        var batch: Bool? = nil
        for pair in filterText.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { continue }
            if kv[0] == "batch" { batch = kv[1] == "true" } else { filters[kv[0], default: []].append(kv[1]) }
        }
        return StreamSpec(organization: organization, endpoint: endpoint, width: width, groupBy: groups, filters: filters, batch: batch)
    }

    /// The end of the stream's latest loaded window (Unix seconds), nil when none is loaded.
    public func highWaterMark(streamID: Int) throws -> Int64? {
        try connection.query("""
            SELECT extract(epoch FROM max(window_end))::bigint FROM etl.windows WHERE stream_id = $1 AND state = 'done'
            """, [.int(streamID)]).single("high-water mark").decode(Int64?.self)
    }

    // MARK: - Reading windows

    static let columns = """
        window_id, stream_id, extract(epoch FROM window_start)::bigint AS s, extract(epoch FROM window_end)::bigint AS e,
        state, attempts, generation, next_page, pages_fetched, provisional, last_error,
        extract(epoch FROM fetched_at)::bigint AS f
        """

    static func record(_ row: PostgresRow) throws -> WindowRecord {
        let (id, streamID, start, end, stateName, attempts, generation, nextPage, pagesFetched, provisional, lastError, fetchedAt)
            = try row.decode(Int64.self, Int.self, Int64.self, Int64.self, String.self, Int.self, Int.self, String?.self,
                             Int.self, Bool.self, String?.self, Int64?.self)
        guard let state = WindowRecord.State(rawValue: stateName) else {
            throw PostgresDecodingError(column: "state", reason: "'\(stateName.prefix(20))' is not a window state")
        }
        return WindowRecord(id: id, streamID: streamID, range: TimeRange(start: start, end: end), state: state, attempts: attempts,
                            generation: generation, nextPage: nextPage, pagesFetched: pagesFetched, provisional: provisional,
                            lastError: lastError, fetchedAt: fetchedAt)
    }

    private func records(_ sql: String, _ parameters: [PostgresValue]) throws -> [WindowRecord] {
        try connection.query(sql, parameters).typedRows.map(Self.record)
    }

    /// The window as stored now; nil when it no longer exists.
    public func window(id: Int64) throws -> WindowRecord? {
        try records("SELECT \(Self.columns) FROM etl.windows WHERE window_id = $1", [.int64(id)]).first
    }

    /// Windows of a stream within [from, to) (`to` nil: however late they end) that need work: not
    /// done, provisional, or all with `refetch`.
    public func windowsNeedingWork(streamID: Int, from: Int64, to: Int64?, refetch: Bool) throws -> [WindowRecord] {
        try records("""
            SELECT \(Self.columns) FROM etl.windows
            WHERE stream_id = $1 AND window_start >= to_timestamp($2) AND ($3::bigint IS NULL OR window_end <= to_timestamp($3))
              AND ($4 OR state <> 'done' OR provisional)
            ORDER BY window_start
            """, [.int(streamID), .int64(from), to.map { .int64($0) } ?? .null, .bool(refetch)])
    }

    /// Windows not done, optionally of one endpoint: failed ones, and those a killed or stopped run
    /// left `running` or `pending`. Windows that start before `servedSince` (the API no longer
    /// serves them) are left out.
    public func unfinishedWindows(endpoint: String?, servedSince: Int64, organizations: [String]? = nil) throws -> [(WindowRecord, streamID: Int)] {
        try records("""
            SELECT \(Self.columns) FROM etl.windows w
            WHERE state <> 'done' AND window_start >= to_timestamp($2)
              AND ($1::text IS NULL OR stream_id IN (SELECT stream_id FROM etl.streams WHERE endpoint = $1))
              AND (NOT $4::boolean OR stream_id IN (SELECT stream_id FROM etl.streams WHERE organization = ANY($3::text[])))
            ORDER BY stream_id, window_start
            """, [.optionalText(endpoint), .int64(servedSince), PostgresArray.text(organizations ?? []), .bool(organizations != nil)])
            .map { ($0, $0.streamID) }
    }

    /// Loaded windows overlapping `[from, to)`, optionally of some endpoints and some
    /// organizations (nil: every organization), in time order.
    public func doneWindows(from: Int64, to: Int64, endpoints: [String], organizations: [String]? = nil) throws -> [(WindowRecord, streamID: Int)] {
        try records("""
            SELECT \(Self.columns) FROM etl.windows w
            WHERE state = 'done' AND window_start < to_timestamp($2) AND window_end > to_timestamp($1)
              AND (cardinality($3::text[]) = 0 OR stream_id IN (SELECT stream_id FROM etl.streams WHERE endpoint = ANY($3::text[])))
              AND (NOT $5::boolean OR stream_id IN (SELECT stream_id FROM etl.streams WHERE organization = ANY($4::text[])))
            ORDER BY window_start, window_id
            """, [.int64(from), .int64(to), PostgresArray.text(endpoints), PostgresArray.text(organizations ?? []), .bool(organizations != nil)])
            .map { ($0, $0.streamID) }
    }

    /// The buckets of a window that no loaded window of its stream with a later fetch holds, in
    /// time order.
    public func ownedBuckets(windowID: Int64) throws -> [TimeRange] {
        try connection.query("""
            SELECT extract(epoch FROM lower(r))::bigint AS s, extract(epoch FROM upper(r))::bigint AS e
            FROM unnest(etl.window_owned_buckets($1)) AS r ORDER BY 1
            """, [.int64(windowID)]).typedRows.compactMap { row in
            let (start, end) = try row.decode(Int64?.self, Int64?.self)
            guard let start, let end else { return nil }
            return TimeRange(start: start, end: end)
        }
    }

    // MARK: - Transitions

    /// Records planned windows that are not yet known (existing windows keep their state).
    public func plan(streamID: Int, windows: [TimeRange]) throws {
        guard !windows.isEmpty else { return }
        try connection.query("""
            INSERT INTO etl.windows (stream_id, window_start, window_end)
            SELECT $1, to_timestamp(s), to_timestamp(e) FROM unnest($2::bigint[], $3::bigint[]) AS w(s, e)
            ON CONFLICT (stream_id, window_start, window_end) DO NOTHING
            """, [.int(streamID), PostgresArray.integers(windows.map(\.start)),
                  PostgresArray.integers(windows.map(\.end))])
    }

    /// Claims a window for this connection's session (`AdvisoryLock.windowClaim`). The claim ends
    /// when the connection ends, so a killed worker never blocks its windows.
    public func tryClaim(_ windowID: Int64) throws -> Bool {
        try AdvisoryLock.windowClaim(windowID).tryLock(on: connection)
    }

    /// Claims a window, waiting up to `seconds` for the session that holds it; false when it
    /// still holds it then.
    public func claim(_ windowID: Int64, waitingUpTo seconds: Int) throws -> Bool {
        try AdvisoryLock.windowClaim(windowID).lock(on: connection, waitingUpTo: seconds)
    }

    public func release(_ windowID: Int64) throws {
        try AdvisoryLock.windowClaim(windowID).unlock(on: connection)
    }

    /// The window no longer exists (its stream was merged into another meanwhile).
    public struct WindowGone: Error, CustomStringConvertible {
        public var windowID: Int64
        public var description: String { "window \(windowID) no longer exists in etl.windows" }
    }

    private func transition(_ windowID: Int64, _ assignments: String, _ extra: [PostgresValue] = []) throws -> WindowRecord {
        guard let window = try records("""
            UPDATE etl.windows SET \(assignments), updated_at = now() WHERE window_id = $1 RETURNING \(Self.columns)
            """, [.int64(windowID)] + extra).first else { throw WindowGone(windowID: windowID) }
        return window
    }

    /// A run starts (or resumes) the window.
    @discardableResult
    public func markRunning(_ windowID: Int64) throws -> WindowRecord {
        try transition(windowID, "state = 'running', attempts = attempts + 1")
    }

    @discardableResult
    public func markFailed(_ windowID: Int64, error: String) throws -> WindowRecord {
        try transition(windowID, "state = 'failed', last_error = $2", [.text(error)])
    }

    /// Starts the window over from its first page in a new generation.
    @discardableResult
    public func restart(_ windowID: Int64) throws -> WindowRecord {
        try transition(windowID, "generation = generation + 1, next_page = NULL, pages_fetched = 0, fetched_at = NULL, fetch_seq = NULL")
    }

    /// Archives a fetched page and advances the window's checkpoint past it, in one transaction.
    /// The first page of a generation also records its fetch time, `fetchedAt` (Unix seconds), and
    /// takes the next fetch sequence number (which orders overlapping fetches).
    public func recordPage(of window: WindowRecord, endpoint: String, requestQuery: String, status: Int,
                           body: CompressedBody, nextPage: String?, fetchedAt: Int64) throws -> WindowRecord {
        try connection.transaction {
            try Archive(connection: connection).store(windowID: window.id, generation: window.generation, pageIndex: window.pagesFetched,
                                                      endpoint: endpoint, requestQuery: requestQuery, status: status, body: body, nextPage: nextPage)
            return try transition(window.id, """
                next_page = $2, pages_fetched = $3,
                fetched_at = CASE WHEN $3 = 1 THEN to_timestamp($4) ELSE fetched_at END,
                fetch_seq = CASE WHEN $3 = 1 THEN nextval('etl.fetch_seq') ELSE fetch_seq END
                """, [.optionalText(nextPage), .int(window.pagesFetched + 1), .int64(fetchedAt)])
        }
    }

    /// Marks the window loaded with `rows` fact rows; in the caller's load transaction.
    /// `provisional` nil keeps the stored flag.
    public func markDone(_ windowID: Int64, rows: Int, provisional: Bool?) throws {
        _ = try transition(windowID, """
            state = 'done', provisional = coalesce($2::boolean, provisional), rows_loaded = $3,
            loaded_at = now(), loaded_fetched_at = coalesce(fetched_at, loaded_fetched_at, now()),
            loaded_fetch_seq = coalesce(fetch_seq, loaded_fetch_seq, nextval('etl.fetch_seq')), last_error = NULL
            """, [provisional.map { .bool($0) } ?? .null, .int(rows)])
    }

    /// The organizations the warehouse has streams of.
    public func organizations() throws -> Set<String> {
        Set(try connection.query("SELECT DISTINCT organization FROM etl.streams").typedRows.map { try $0.decode(String.self) })
    }

    /// Records the result fields the load of a window met that the catalog does not know, in place
    /// of what an earlier load of the window recorded; in the caller's load transaction.
    public func replaceUnknownFields(of windowID: Int64, with unknown: UnknownFields) throws {
        try connection.query("DELETE FROM etl.window_unknown_fields WHERE window_id = $1", [.int64(windowID)])
        guard !unknown.isEmpty else { return }
        var names: [String] = [], starts: [Int64] = [], results: [Int64] = []
        for (name, counts) in unknown.buckets {
            for (start, count) in counts {
                names.append(name)
                starts.append(start)
                results.append(Int64(count))
            }
        }
        try connection.query("""
            INSERT INTO etl.window_unknown_fields (window_id, field, bucket_start, results)
            SELECT $1, f.field, to_timestamp(f.bucket_start), f.results
            FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS f(field, bucket_start, results)
            """, [.int64(windowID), PostgresArray.text(names), PostgresArray.integers(starts), PostgresArray.integers(results)])
    }

    /// Makes loads of overlapping windows of one stream take turns until the caller's transaction
    /// ends (one advisory lock per stream and UTC day of `range`, taken in order).
    public func lockStreamSpan(streamID: Int, range: TimeRange) throws {
        try connection.query("SELECT etl.lock_stream_span($1, to_timestamp($2), to_timestamp($3))",
                             [.int(streamID), .int64(range.start), .int64(range.end)])
    }
}
