import Postgres

/// What `usage-etl status` shows: per stream, its windows by state, high-water mark, last error
/// and archive size.
public struct StreamStatus: Sendable {
    public var streamID: Int
    /// The organization the stream's rows are filed under, and its display name when one was given.
    public var organization: String
    public var organizationName: String?
    public var endpoint: String
    public var bucketWidth: String
    public var groupBy: String
    public var filters: String
    public var done: Int
    public var failed: Int
    /// Pending or running.
    public var pending: Int
    /// Running, but no session holds its claim: a killed run's, for `rerun --failed` or the next `sync`.
    public var interrupted: Int
    /// RFC 3339 UTC strings, nil when none.
    public var highWaterMark: String?
    public var lastError: String?
    /// `START..END` of the window that failed last.
    public var lastFailedWindow: String?
    public var lastLoaded: String?
    public var archiveRawBytes: Int64
    public var archiveCompressedBytes: Int64

    /// Reads every stream's status, in organization, endpoint, width, stream order.
    public static func all(on connection: PostgresConnection) throws -> [StreamStatus] {
        let rfc3339 = #"'YYYY-MM-DD"T"HH24:MI:SS"Z"'"#
        return try connection.query("""
            SELECT s.stream_id, s.organization, o.name AS organization_name, s.endpoint, s.bucket_width, array_to_string(s.group_by, ',') AS group_by, s.filters,
                   count(*) FILTER (WHERE w.state = 'done') AS done,
                   count(*) FILTER (WHERE w.state = 'failed') AS failed,
                   count(*) FILTER (WHERE w.state IN ('pending', 'running')) AS pending,
                   count(*) FILTER (WHERE w.state = 'running' AND NOT \(AdvisoryLock.windowClaimedSQL("w.window_id"))) AS interrupted,
                   to_char(max(w.window_end) FILTER (WHERE w.state = 'done') AT TIME ZONE 'UTC', \(rfc3339)) AS high_water_mark,
                   (SELECT last_error FROM etl.windows x WHERE x.stream_id = s.stream_id AND x.state = 'failed' ORDER BY updated_at DESC LIMIT 1) AS last_error,
                   (SELECT to_char(x.window_start AT TIME ZONE 'UTC', \(rfc3339)) || '..' ||
                           to_char(x.window_end AT TIME ZONE 'UTC', \(rfc3339))
                    FROM etl.windows x WHERE x.stream_id = s.stream_id AND x.state = 'failed' ORDER BY updated_at DESC LIMIT 1) AS last_failed_window,
                   to_char(max(w.loaded_at) AT TIME ZONE 'UTC', \(rfc3339)) AS last_loaded,
                   min(a.raw_bytes) AS raw_bytes, min(a.compressed_bytes) AS compressed_bytes
            FROM etl.streams s
            LEFT JOIN etl.windows w USING (stream_id)
            LEFT JOIN warehouse.dim_organization o ON o.natural_id = s.organization
            CROSS JOIN LATERAL (
                SELECT coalesce(sum(b.raw_bytes), 0) AS raw_bytes, coalesce(sum(b.compressed_bytes), 0) AS compressed_bytes
                FROM (SELECT DISTINCT p.body_sha256 FROM raw.pages p JOIN etl.windows x USING (window_id)
                      WHERE x.stream_id = s.stream_id) d
                JOIN raw.bodies b USING (body_sha256)) a
            GROUP BY s.stream_id, o.name ORDER BY s.organization, s.endpoint, s.bucket_width, s.stream_id
            """).typedRows.map { row in
            let (streamID, _, _, endpoint, width, groupBy, filters, done, failed, pending, interrupted) =
                try row.decode(Int.self, String.self, String?.self, String.self, String.self, String.self, String.self, Int.self, Int.self, Int.self, Int.self)
            return StreamStatus(
                streamID: streamID, organization: try row.decode(column: "organization"),
                organizationName: try row.decode(column: "organization_name"), endpoint: endpoint, bucketWidth: width, groupBy: groupBy, filters: filters,
                done: done, failed: failed, pending: pending, interrupted: interrupted,
                highWaterMark: try row.decode(column: "high_water_mark"), lastError: try row.decode(column: "last_error"),
                lastFailedWindow: try row.decode(column: "last_failed_window"), lastLoaded: try row.decode(column: "last_loaded"),
                archiveRawBytes: try row.decode(column: "raw_bytes", as: Int64?.self) ?? 0,
                archiveCompressedBytes: try row.decode(column: "compressed_bytes", as: Int64?.self) ?? 0)
        }
    }
}

/// A result field the loaded windows' pages carried that the loader's catalog does not know:
/// how many results carried it, and since which bucket, per endpoint and bucket width. Each bucket
/// counts once: from the stream the contract views read it from (`analytics.stream_coverage`) and
/// the window of that stream whose facts hold it (the newest loaded fetch).
public struct UnknownFieldStatus: Sendable, Equatable {
    public var endpoint: String
    public var bucketWidth: String
    public var field: String
    public var results: Int64
    /// The first bucket that carried it, RFC 3339 UTC.
    public var since: String

    /// Every unknown field of the loaded windows, by endpoint, width and field; only of
    /// `organizations` when given.
    public static func all(on connection: PostgresConnection, organizations: [String]? = nil) throws -> [UnknownFieldStatus] {
        try connection.query("""
            SELECT s.endpoint, s.bucket_width, u.field, sum(u.results)::bigint AS results,
                   to_char(min(u.bucket_start) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS since
            FROM etl.window_unknown_fields u
            JOIN etl.windows w USING (window_id)
            JOIN etl.streams s ON s.stream_id = w.stream_id
            JOIN analytics.stream_coverage c ON c.stream_id = w.stream_id AND c.buckets @> u.bucket_start
            WHERE w.loaded_fetch_seq IS NOT NULL
              AND etl.window_owned_buckets(w.window_id) @> u.bucket_start
              AND (NOT $2::boolean OR s.organization = ANY($1::text[]))
            GROUP BY s.endpoint, s.bucket_width, u.field ORDER BY s.endpoint, s.bucket_width, u.field
            """, [PostgresArray.text(organizations ?? []), .bool(organizations != nil)]).typedRows.map { row in
            let (endpoint, width, field, results, since) = try row.decode(String.self, String.self, String.self, Int64.self, String.self)
            return UnknownFieldStatus(endpoint: endpoint, bucketWidth: width, field: field, results: results, since: since)
        }
    }
}
