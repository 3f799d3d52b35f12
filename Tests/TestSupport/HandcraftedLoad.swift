import Postgres
import UsageAPI
import Warehouse

extension PostgresConnection {
    /// Loads a decoded page as the whole content of `window` for `spec`'s stream and records the
    /// window as loaded (the contract views show the buckets of loaded windows): for tests that
    /// feed the loader pages no simulator answers.
    public func loadHandcrafted(_ page: UsagePage, spec: StreamSpec, window: TimeRange) throws {
        let store = WindowStore(connection: self)
        let streamID = try store.streamID(for: spec)
        var buckets = page.buckets.makeIterator()
        let loader = FactLoader(connection: self)
        try loader.ensurePartitions(endpoint: spec.endpoint, window: window)
        try transaction {
            _ = try loader.replaceSlice(spec: spec, streamID: streamID, window: window, buckets: { buckets.next() })
            try store.plan(streamID: streamID, windows: [window])
            try query("""
                UPDATE etl.windows SET state = 'done', loaded_at = now(), loaded_fetched_at = now(), loaded_fetch_seq = nextval('etl.fetch_seq')
                WHERE stream_id = $1 AND window_start = to_timestamp($2) AND window_end = to_timestamp($3)
                """, [.int(streamID), .int64(window.start), .int64(window.end)])
        }
    }
}
