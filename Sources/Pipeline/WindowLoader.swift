import Logging
import Postgres
import UsageAPI
import Warehouse

/// Transforms a window's archived pages and replaces its slice of the warehouse, marking it done,
/// in one transaction. Used after fetching (the runner) and to rebuild from the archive (replay).
struct WindowLoader {
    let connection: PostgresConnection
    let logger: Logger

    /// Loads the pages of the window's current generation; `provisional` nil keeps the stored flag.
    func load(_ window: WindowRecord, spec: StreamSpec, streamID: Int, provisional: Bool?) throws -> Int {
        let pages = try Archive(connection: connection).pages(windowID: window.id, generation: window.generation)
        let decoder = PageDecoder(endpoint: spec.endpoint)
        let decoded = try pages.map { archived -> UsagePage in
            do { return try decoder.decode(archived.body) } catch var error as DecodeError {
                error.context = "window \(window.id), page \(archived.pageIndex)"
                throw error
            }
        }
        return try connection.transaction {
            let outcome = try FactLoader(connection: connection).replaceSlice(spec: spec, streamID: streamID, window: window.range, pages: decoded)
            for warning in Set(outcome.warnings) { logger.warning("\(spec.endpoint.name): \(warning)") }
            try connection.query("""
                UPDATE etl.windows SET state = 'done', provisional = coalesce($2::boolean, provisional), rows_loaded = $3,
                       loaded_at = now(), last_error = NULL, updated_at = now()
                WHERE window_id = $1
                """, [.int64(window.id), provisional.map { .bool($0) } ?? .null, .int(outcome.rows)])
            return outcome.rows
        }
    }
}
