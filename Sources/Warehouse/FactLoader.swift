import Postgres
import UsageAPI

/// Replaces a window's slice of a fact table with the rows of its pages, in the caller's
/// transaction: new rows inserted, changed rows updated, vanished rows deleted, unchanged rows
/// not touched. Rows go through `COPY` into a temporary staging table, then one merge.
public struct FactLoader {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// What a load changed.
    public struct Outcome: Sendable {
        public var rows: Int
        public var warnings: [String]
    }

    /// A bucket outside the window it was requested for.
    public struct OutOfWindow: Error, CustomStringConvertible {
        public var bucketStart: Int64
        public var window: TimeRange
        public var description: String { "the API returned a bucket starting at \(bucketStart) outside the requested window \(window)" }
    }

    /// Loads decoded pages as the complete content of `window` for the stream. Call inside a transaction.
    public func replaceSlice(spec: StreamSpec, streamID: Int, window: TimeRange, pages: [UsagePage]) throws -> Outcome {
        let endpoint = spec.endpoint
        let dimensions = EndpointCatalog.factDimensions(endpoint)
        let table = "warehouse." + endpoint.factTable

        // Dimension keys for every natural id in the window.
        let organizationKey = try resolve(table: "organization", ids: [spec.organization])[spec.organization]!
        var ids = [Set<String>](repeating: [], count: dimensions.count)
        for page in pages {
            for bucket in page.buckets {
                for result in bucket.results {
                    for (d, id) in result.dimensions.enumerated() { if let id { ids[d].insert(id) } }
                }
            }
        }
        let keys = try zip(dimensions, ids).map { try resolve(table: $0.table, ids: $1) }
        try connection.query("SELECT warehouse.ensure_month_partitions($1, to_timestamp($2), to_timestamp($3))",
                             [.text(endpoint.factTable), .int64(window.start), .int64(window.end)])
        let keyColumns = dimensions.map(\.keyColumn)
        let metricColumns = endpoint.metrics.map(\.name)
        let columns = ["stream_id", "organization_key", "bucket_start", "bucket_end", "bucket_width"] + keyColumns + metricColumns
        try connection.execute(script: """
            CREATE TEMP TABLE IF NOT EXISTS stage_\(endpoint.name) (LIKE \(table)) ON COMMIT DELETE ROWS;
            TRUNCATE stage_\(endpoint.name);
            """)
        let grouped = Set(spec.groupBy)
        var rows = 0
        var warnings: [String] = []
        let streamText = String(streamID), orgText = String(organizationKey), widthText = spec.width.rawValue
        try connection.copyIn("COPY stage_\(endpoint.name) (\(columns.joined(separator: ", "))) FROM STDIN") { writer in
            for page in pages {
                warnings += page.warnings
                for bucket in page.buckets {
                    guard bucket.startTime >= window.start, bucket.startTime < window.end else {
                        throw OutOfWindow(bucketStart: bucket.startTime, window: window)
                    }
                    let start = PostgresTimestamp.formatUnix(bucket.startTime)
                    let end = PostgresTimestamp.formatUnix(bucket.endTime)
                    for result in bucket.results {
                        writer.appendField(streamText)
                        writer.appendField(orgText)
                        writer.appendField(start)
                        writer.appendField(end)
                        writer.appendField(widthText)
                        for (d, dimension) in dimensions.enumerated() {
                            let key: Int
                            if let id = result.dimensions[d] { key = keys[d][id]! } else { key = grouped.contains(dimension) ? -1 : 0 }
                            writer.appendField(String(key))
                        }
                        for value in result.metrics { writer.appendField(value) }
                        try writer.endRow()
                        rows += 1
                    }
                }
            }
        }
        let primaryKey = (["stream_id", "bucket_start"] + keyColumns).joined(separator: ", ")
        let changing = ["bucket_end", "organization_key", "bucket_width"] + metricColumns
        try connection.query("""
            INSERT INTO \(table) AS t (\(columns.joined(separator: ", ")))
            SELECT \(columns.joined(separator: ", ")) FROM stage_\(endpoint.name)
            ON CONFLICT (\(primaryKey)) DO UPDATE SET \(changing.map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
            WHERE (\(changing.map { "t.\($0)" }.joined(separator: ", "))) IS DISTINCT FROM (\(changing.map { "excluded.\($0)" }.joined(separator: ", ")))
            """)
        try connection.query("""
            DELETE FROM \(table) AS t
            WHERE t.stream_id = $1 AND t.bucket_start >= to_timestamp($2) AND t.bucket_start < to_timestamp($3)
              AND NOT EXISTS (SELECT 1 FROM stage_\(endpoint.name) s
                              WHERE \((["bucket_start"] + keyColumns).map { "s.\($0) = t.\($0)" }.joined(separator: " AND ")))
            """, [.int(streamID), .int64(window.start), .int64(window.end)])
        return Outcome(rows: rows, warnings: warnings)
    }

    /// Surrogate keys of natural ids in `warehouse.dim_<table>`, adding the ones not seen before.
    func resolve(table: String, ids: Set<String>) throws -> [String: Int] {
        guard !ids.isEmpty else { return [:] }
        let array = PostgresArray.text(Array(ids))
        try connection.query("""
            INSERT INTO warehouse.dim_\(table) (natural_id, kind)
            SELECT id, 'value' FROM unnest($1::text[]) AS id ORDER BY id
            ON CONFLICT (natural_id) DO NOTHING
            """, [array])
        let result = try connection.query("SELECT natural_id, \(table)_key FROM warehouse.dim_\(table) WHERE natural_id = ANY($1::text[])", [array])
        var map: [String: Int] = [:]
        for row in result.rows { map[row[0]!] = Int(row[1]!)! }
        return map
    }
}
