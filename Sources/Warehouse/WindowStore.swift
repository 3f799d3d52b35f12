import Postgres
import UsageAPI

/// Streams, windows and checkpoints in schema `etl`.
public struct WindowStore {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// The stream id of a spec, created on first use.
    public func streamID(for spec: StreamSpec) throws -> Int {
        let params: [PostgresValue] = [.text(spec.organization), .text(spec.endpoint.name), .text(spec.width.rawValue),
                                       PostgresArray.text(spec.groupBy.map(\.rawValue)),
                                       .text(spec.canonicalFilters)]
        try connection.query("""
            INSERT INTO etl.streams (organization, endpoint, bucket_width, group_by, filters)
            VALUES ($1, $2, $3, $4::text[], $5) ON CONFLICT DO NOTHING
            """, params)
        let result = try connection.query("""
            SELECT stream_id FROM etl.streams
            WHERE organization = $1 AND endpoint = $2 AND bucket_width = $3 AND group_by = $4::text[] AND filters = $5
            """, params)
        return Int(result.scalar!)!
    }

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

    static let columns = """
        window_id, stream_id, extract(epoch FROM window_start)::bigint AS s, extract(epoch FROM window_end)::bigint AS e,
        state, attempts, generation, next_page, pages_fetched, provisional, last_error,
        extract(epoch FROM fetched_at)::bigint AS f
        """

    static func record(_ result: QueryResult, _ row: Int) -> WindowRecord {
        WindowRecord(id: result.int64(row, "window_id")!, streamID: result.int(row, "stream_id")!,
                     range: TimeRange(start: result.int64(row, "s")!, end: result.int64(row, "e")!),
                     state: WindowRecord.State(rawValue: result[row, "state"]!)!, attempts: result.int(row, "attempts")!,
                     generation: result.int(row, "generation")!, nextPage: result[row, "next_page"],
                     pagesFetched: result.int(row, "pages_fetched")!, provisional: result.bool(row, "provisional")!,
                     lastError: result[row, "last_error"], fetchedAt: result.int64(row, "f"))
    }

    /// Windows of a stream within [from, to) (`to` nil: however late they end) that need work: not
    /// done, provisional, or all with `refetch`.
    public func windowsNeedingWork(streamID: Int, from: Int64, to: Int64?, refetch: Bool) throws -> [WindowRecord] {
        let result = try connection.query("""
            SELECT \(Self.columns) FROM etl.windows
            WHERE stream_id = $1 AND window_start >= to_timestamp($2) AND ($3::bigint IS NULL OR window_end <= to_timestamp($3))
              AND ($4 OR state <> 'done' OR provisional)
            ORDER BY window_start
            """, [.int(streamID), .int64(from), to.map { .int64($0) } ?? .null, .bool(refetch)])
        return (0..<result.count).map { Self.record(result, $0) }
    }

    /// Windows not done, optionally of one endpoint: failed ones, and those a killed or stopped run
    /// left `running` or `pending`. Windows that start before `servedSince` (the API no longer
    /// serves them) are left out.
    public func unfinishedWindows(endpoint: String?, servedSince: Int64) throws -> [(WindowRecord, streamID: Int)] {
        let result = try connection.query("""
            SELECT \(Self.columns) FROM etl.windows w
            WHERE state <> 'done' AND window_start >= to_timestamp($2)
              AND ($1::text IS NULL OR stream_id IN (SELECT stream_id FROM etl.streams WHERE endpoint = $1))
            ORDER BY stream_id, window_start
            """, [.optionalText(endpoint), .int64(servedSince)])
        return (0..<result.count).map { (Self.record(result, $0), result.int($0, "stream_id")!) }
    }

    /// The buckets of a window that no loaded window of its stream with a later fetch holds, in
    /// time order.
    public func ownedBuckets(windowID: Int64) throws -> [TimeRange] {
        let result = try connection.query("""
            SELECT extract(epoch FROM lower(r))::bigint AS s, extract(epoch FROM upper(r))::bigint AS e
            FROM unnest(etl.window_owned_buckets($1)) AS r ORDER BY 1
            """, [.int64(windowID)])
        return (0..<result.count).compactMap { row in
            guard let s = result.int64(row, "s"), let e = result.int64(row, "e") else { return nil }
            return TimeRange(start: s, end: e)
        }
    }

    /// Makes loads of overlapping windows of one stream take turns until the caller's transaction
    /// ends (one advisory lock per stream and UTC day of `range`, taken in order).
    public func lockStreamSpan(streamID: Int, range: TimeRange) throws {
        try connection.query("SELECT etl.lock_stream_span($1, to_timestamp($2), to_timestamp($3))",
                             [.int(streamID), .int64(range.start), .int64(range.end)])
    }

    public func window(id: Int64) throws -> WindowRecord? {
        let result = try connection.query("SELECT \(Self.columns) FROM etl.windows WHERE window_id = $1", [.int64(id)])
        return result.count == 1 ? Self.record(result, 0) : nil
    }

    /// Claims a window for this connection's session. The claim ends when the connection ends,
    /// so a killed worker never blocks its windows.
    public func tryClaim(_ windowID: Int64) throws -> Bool {
        try connection.query("SELECT pg_try_advisory_lock(7402, $1::int)", [.int64(windowID)]).scalar == "t"
    }

    /// Claims a window, waiting up to `seconds` for the session that holds it; false when it
    /// still holds it then.
    public func claim(_ windowID: Int64, waitingUpTo seconds: Int) throws -> Bool {
        try connection.query("SELECT set_config('lock_timeout', $1, false)", [.text("\(seconds)s")])
        defer { _ = try? connection.query("SELECT set_config('lock_timeout', '0', false)") }
        do {
            try connection.query("SELECT pg_advisory_lock(7402, $1::int)", [.int64(windowID)])
            return true
        } catch let error as PostgresError where error.sqlState == "55P03" {
            return false
        }
    }

    public func release(_ windowID: Int64) throws {
        try connection.query("SELECT pg_advisory_unlock(7402, $1::int)", [.int64(windowID)])
    }

    public func markRunning(_ windowID: Int64) throws {
        try connection.query("UPDATE etl.windows SET state = 'running', attempts = attempts + 1, updated_at = now() WHERE window_id = $1",
                             [.int64(windowID)])
    }

    public func markFailed(_ windowID: Int64, error: String) throws {
        try connection.query("UPDATE etl.windows SET state = 'failed', last_error = $2, updated_at = now() WHERE window_id = $1",
                             [.int64(windowID), .text(error)])
    }

    /// Starts the window over from its first page in a new generation.
    public func restart(_ windowID: Int64) throws {
        try connection.query("""
            UPDATE etl.windows SET generation = generation + 1, next_page = NULL, pages_fetched = 0, fetched_at = NULL, fetch_seq = NULL, updated_at = now()
            WHERE window_id = $1
            """, [.int64(windowID)])
    }

    /// A stream that names an endpoint or width this build does not know.
    public struct UnknownStream: Error, CustomStringConvertible {
        public var streamID: Int
        public var description: String { "stream \(streamID) names an endpoint or bucket width this version does not know" }
    }

    /// Rebuilds a stream's spec from `etl.streams`.
    public func spec(streamID: Int) throws -> StreamSpec {
        let row = try connection.query("""
            SELECT organization, endpoint, bucket_width, array_to_string(group_by, ','), filters FROM etl.streams WHERE stream_id = $1
            """, [.int(streamID)]).rows[0]
        guard let endpoint = EndpointCatalog.named(row[1]!), let width = BucketWidth(rawValue: row[2]!) else {
            throw UnknownStream(streamID: streamID)
        }
        let groups = row[3]!.split(separator: ",").compactMap { Dimension(rawValue: String($0)) }
        var filters: [String: [String]] = [:]
        var batch: Bool? = nil
        for pair in row[4]!.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { continue }
            if kv[0] == "batch" { batch = kv[1] == "true" } else { filters[kv[0], default: []].append(kv[1]) }
        }
        return StreamSpec(organization: row[0]!, endpoint: endpoint, width: width, groupBy: groups, filters: filters, batch: batch)
    }

    /// The end of the stream's latest loaded window (Unix seconds), nil when none is loaded.
    public func highWaterMark(streamID: Int) throws -> Int64? {
        try connection.query("""
            SELECT extract(epoch FROM max(window_end))::bigint FROM etl.windows WHERE stream_id = $1 AND state = 'done'
            """, [.int(streamID)]).scalar.flatMap { Int64($0) }
    }

    /// Loaded windows overlapping `[from, to)`, optionally of some endpoints, in time order.
    public func doneWindows(from: Int64, to: Int64, endpoints: [String]) throws -> [(WindowRecord, streamID: Int)] {
        let result = try connection.query("""
            SELECT \(Self.columns) FROM etl.windows w
            WHERE state = 'done' AND window_start < to_timestamp($2) AND window_end > to_timestamp($1)
              AND (cardinality($3::text[]) = 0 OR stream_id IN (SELECT stream_id FROM etl.streams WHERE endpoint = ANY($3::text[])))
            ORDER BY window_start, window_id
            """, [.int64(from), .int64(to), PostgresArray.text(endpoints)])
        return (0..<result.count).map { (Self.record(result, $0), result.int($0, "stream_id")!) }
    }
}
