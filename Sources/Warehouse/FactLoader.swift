import Postgres
import UsageAPI

/// Replaces a window's slice of a fact table with the rows of its buckets, in the caller's
/// transaction: new rows inserted, changed rows updated, vanished rows deleted, unchanged rows
/// not touched. Buckets are pulled one at a time and streamed through binary `COPY` (the server
/// parses no text: timestamps and counts arrive as it stores them): straight into the
/// fact table when the slice is empty (a first load, a replay after a truncate), else into a
/// temporary staging table and merged.
public struct FactLoader {
    public let connection: PostgresConnection
    /// Where new dimension values are registered: a second connection in autocommit, so a long
    /// window transaction never holds dimension rows another load waits for (dimension tables
    /// only grow, so a value registered for a load that then rolls back does no harm). The load's
    /// own connection when none is given.
    public let dimensionConnection: PostgresConnection

    public init(connection: PostgresConnection, dimensions: PostgresConnection? = nil) {
        self.connection = connection
        self.dimensionConnection = dimensions ?? connection
    }

    /// Creates the month partitions `window` needs, each in its own short transaction: call before
    /// the load's transaction, so no load holds a lock on the fact table while it runs.
    public func ensurePartitions(endpoint: Endpoint, window: TimeRange) throws {
        try connection.query("SELECT warehouse.ensure_month_partitions($1, to_timestamp($2), to_timestamp($3))",
                             [.text(endpoint.factTable), .int64(window.start), .int64(window.end)])
    }

    /// A bucket outside the window it was requested for.
    public struct OutOfWindow: Error, CustomStringConvertible {
        public var bucketStart: Int64
        public var window: TimeRange
        public var description: String { "the API returned a bucket starting at \(bucketStart) outside the requested window \(window)" }
    }

    /// Loads the buckets `next` yields (nil at the end) as the complete content of `window` for the
    /// stream, and returns the number of fact rows. Only the buckets inside `owned` (sorted,
    /// disjoint ranges within the window; nil: the whole window) are written or deleted: the rest
    /// belong to a newer fetch of an overlapping window. Call inside a transaction, after
    /// `ensurePartitions`; `next` must not use the connection.
    public func replaceSlice(spec: StreamSpec, streamID: Int, window: TimeRange, owned: [TimeRange]? = nil,
                             buckets next: () throws -> UsageBucket?) throws -> Int {
        let endpoint = spec.endpoint
        let dimensions = endpoint.resultDimensions
        let table = "warehouse." + endpoint.factTable
        let owned = owned ?? [window]
        guard let first = owned.first, let last = owned.last else {
            return 0 // a newer fetch holds every bucket: nothing of this window to write
        }
        let slice = Slice(bounds: TimeRange(start: first.start, end: last.end), ranges: owned)
        // The stream's organization as it is now, not as the run planned it: rows filed under the
        // placeholder may have moved to the real organization since (OrganizationRegistry.adopt).
        let organization = try connection.query("SELECT organization FROM etl.streams WHERE stream_id = $1", [.int(streamID)])
            .scalar ?? spec.organization
        guard let organizationKey = try resolve(table: "organization", ids: [organization])[organization] else {
            throw PostgresError(operation: .query, message: "organization \(organization) has no dimension key")
        }
        let sliceIsEmpty = try connection.query("""
            SELECT 1 FROM \(table) WHERE stream_id = $1 AND \(Slice.predicate("bucket_start")) LIMIT 1
            """, [.int(streamID)] + slice.parameters).count == 0
        let stage = "stage_" + endpoint.name
        if !sliceIsEmpty {
            try connection.execute(script: """
                CREATE TEMP TABLE IF NOT EXISTS \(stage) (LIKE \(table)) ON COMMIT DELETE ROWS;
                TRUNCATE \(stage);
                """)
        }
        let keyColumns = endpoint.factKeyColumns
        let metricColumns = endpoint.metrics.map(\.name)
        // The metrics that are part of the primary key (after the dimension keys), in its order.
        let keyMetricSlots = endpoint.keyMetrics.compactMap { name in endpoint.metrics.firstIndex { $0.name == name } }
        let metricKinds = endpoint.metrics.map(\.kind)
        let columns = ["stream_id", "organization_key", "bucket_start", "bucket_end", "bucket_width"] + keyColumns + metricColumns
        let copy = "COPY \(sliceIsEmpty ? table : stage) (\(columns.joined(separator: ", "))) FROM STDIN (FORMAT binary)"
        // Absent dimensions: -1 when grouped by it (the API said null), 0 when not grouped.
        let grouped = Set(spec.groupBy)
        var known = DimensionKeys(absent: dimensions.map { grouped.contains($0) ? -1 : 0 })
        var keys: [Int] = []
        var order: [Int] = []
        var rows = 0
        var pending = try next()
        while let first = pending {
            // Natural ids seen for the first time get their keys here, between COPYs.
            for (d, dimension) in dimensions.enumerated() {
                let missing = Set(first.results.compactMap { $0.dimensions[d] }.filter { known.byID[d][$0] == nil })
                if !missing.isEmpty { known.byID[d].merge(try resolve(table: dimension.table, ids: missing)) { $1 } }
            }
            try connection.copyIn(binary: copy) { writer in
                while let bucket = pending {
                    guard bucket.startTime >= window.start, bucket.startTime < window.end else {
                        throw OutOfWindow(bucketStart: bucket.startTime, window: window)
                    }
                    guard slice.contains(bucket.startTime) else { pending = try next(); continue }
                    guard known.keys(of: bucket, into: &keys) else { return } // a new id: resolve it first
                    Self.primaryKeyOrder(of: bucket, keys: keys, width: dimensions.count, keyMetricSlots: keyMetricSlots, into: &order)
                    for r in order {
                        try writer.beginRow(fields: columns.count)
                        try writer.append(int32: streamID)
                        try writer.append(int32: organizationKey)
                        try writer.append(timestamp: bucket.startTime)
                        try writer.append(timestamp: bucket.endTime)
                        try writer.append(text: spec.width.rawValue)
                        for d in 0..<dimensions.count { try writer.append(int32: keys[r * dimensions.count + d]) }
                        for (slot, value) in bucket.results[r].values.enumerated() {
                            switch (metricKinds[slot], value) {
                            case (_, nil) where keyMetricSlots.contains(slot): try writer.append(text: "") // part of the key: never NULL
                            case (_, nil): try writer.appendNull()
                            case (.count, .count(let number)?): try writer.append(int64: number)
                            case (.count, let value?): try writer.append(int64Text: value.text)
                            case (.decimal, let value?): try writer.append(numericText: value.text)
                            case (_, let value?): try writer.append(text: value.text)
                            }
                        }
                    }
                    rows += bucket.results.count
                    pending = try next()
                }
            }
        }
        if !sliceIsEmpty {
            try merge(into: table, from: stage, streamID: streamID, slice: slice, columns: columns,
                      keyColumns: keyColumns + endpoint.keyMetrics, metricColumns: metricColumns.filter { !endpoint.keyMetrics.contains($0) })
        }
        return rows
    }

    /// The surrogate keys of the natural ids met so far in a load, by dimension.
    struct DimensionKeys {
        var byID: [[String: Int]]
        /// The key of an absent value: -1 when grouped by the dimension (the API said null), 0 when not grouped.
        let absent: [Int]
        /// Each dimension's last id and key: consecutive results often share them (and the
        /// decoder gives them the same String, which compares at once).
        private var last: [(id: String, key: Int)?]

        init(absent: [Int]) {
            self.absent = absent
            byID = Array(repeating: [:], count: absent.count)
            last = Array(repeating: nil, count: absent.count)
        }

        /// The dimension keys of every result of `bucket`, row-major into `keys`; false when an id has no key yet.
        mutating func keys(of bucket: UsageBucket, into keys: inout [Int]) -> Bool {
            keys.removeAll(keepingCapacity: true)
            for result in bucket.results {
                for (d, id) in result.dimensions.enumerated() {
                    guard let id else { keys.append(absent[d]); continue }
                    if let last = last[d], last.id == id { keys.append(last.key); continue }
                    guard let key = byID[d][id] else { return false }
                    last[d] = (id, key)
                    keys.append(key)
                }
            }
            return true
        }
    }

    /// The bucket's results in the order of the fact table's primary key (dimension keys, then a
    /// key metric's text): the index then grows at its right edge, where PostgreSQL inserts
    /// without searching the tree (a sixth of the server's work for a COPY, measured).
    static func primaryKeyOrder(of bucket: UsageBucket, keys: [Int], width: Int, keyMetricSlots: [Int], into order: inout [Int]) {
        order.removeAll(keepingCapacity: true)
        order.append(contentsOf: bucket.results.indices)
        keys.withUnsafeBufferPointer { keys in
            order.sort { a, b in
                for d in 0..<width where keys[a * width + d] != keys[b * width + d] { return keys[a * width + d] < keys[b * width + d] }
                for slot in keyMetricSlots where bucket.results[a].values[slot] != bucket.results[b].values[slot] {
                    return (bucket.results[a].values[slot]?.text ?? "") < (bucket.results[b].values[slot]?.text ?? "")
                }
                return a < b
            }
        }
    }

    /// Makes the slice equal to the staged rows: inserts and updates what differs, deletes what vanished.
    private func merge(into table: String, from stage: String, streamID: Int, slice: Slice,
                       columns: [String], keyColumns: [String], metricColumns: [String]) throws {
        // Planner statistics for the staging table, and for partitions never analyzed (a month
        // loaded moments ago), or the anti-join below may be planned as a nested loop.
        try connection.execute(script: "ANALYZE \(stage)")
        let unanalyzed = try connection.query("""
            SELECT format('%I.%I', n.nspname, c.relname) FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE i.inhparent = $1::regclass AND c.reltuples < 0
            """, [.text(table)])
        for row in unanalyzed.rows { if let partition = row[0] { try connection.execute(script: "ANALYZE \(partition)") } }
        let primaryKey = (["stream_id", "bucket_start"] + keyColumns).joined(separator: ", ")
        let changing = ["bucket_end", "organization_key", "bucket_width"] + metricColumns
        try connection.query("""
            INSERT INTO \(table) AS t (\(columns.joined(separator: ", ")))
            SELECT \(columns.joined(separator: ", ")) FROM \(stage)
            ON CONFLICT (\(primaryKey)) DO UPDATE SET \(changing.map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
            WHERE (\(changing.map { "t.\($0)" }.joined(separator: ", "))) IS DISTINCT FROM (\(changing.map { "excluded.\($0)" }.joined(separator: ", ")))
            """)
        try connection.query("""
            DELETE FROM \(table) AS t
            WHERE t.stream_id = $1 AND \(Slice.predicate("t.bucket_start"))
              AND NOT EXISTS (SELECT 1 FROM \(stage) s
                              WHERE \((["bucket_start"] + keyColumns).map { "s.\($0) = t.\($0)" }.joined(separator: " AND ")))
            """, [.int(streamID)] + slice.parameters)
    }

    /// Surrogate keys of natural ids in `warehouse.dim_<table>`, adding the ones not seen before.
    func resolve(table: String, ids: Set<String>) throws -> [String: Int] {
        guard !ids.isEmpty else { return [:] }
        let array = PostgresArray.text(Array(ids))
        try dimensionConnection.query("""
            INSERT INTO warehouse.dim_\(table) (natural_id, kind)
            SELECT id, 'value' FROM unnest($1::text[]) AS id ORDER BY id
            ON CONFLICT (natural_id) DO NOTHING
            """, [array])
        let result = try dimensionConnection.query("SELECT natural_id, \(table)_key FROM warehouse.dim_\(table) WHERE natural_id = ANY($1::text[])", [array])
        var map: [String: Int] = [:]
        for row in result.rows { if let id = row[0], let key = row[1].flatMap({ Int($0) }) { map[id] = key } }
        return map
    }

    /// The buckets of a window a load writes: sorted disjoint ranges, and their outer bounds (for
    /// the primary key's index).
    struct Slice {
        let bounds: TimeRange
        let ranges: [TimeRange]

        func contains(_ start: Int64) -> Bool { ranges.contains { start >= $0.start && start < $0.end } }

        /// `$2`, `$3`: the bounds; `$4`, `$5`: the ranges' starts and ends, made into one multirange
        /// by a subquery that refers to no row, so PostgreSQL evaluates it once per statement.
        static func predicate(_ column: String) -> String {
            """
            \(column) >= to_timestamp($2) AND \(column) < to_timestamp($3) \
            AND \(column) <@ (SELECT range_agg(tstzrange(to_timestamp(r.s), to_timestamp(r.e))) FROM unnest($4::bigint[], $5::bigint[]) AS r(s, e))
            """
        }

        var parameters: [PostgresValue] {
            [.int64(bounds.start), .int64(bounds.end), PostgresArray.integers(ranges.map(\.start)), PostgresArray.integers(ranges.map(\.end))]
        }
    }
}
