import Logging
import Postgres
import UsageAPI
import Warehouse

/// Transforms a window's pages and replaces its slice of the warehouse, marking it done,
/// in one transaction. Used after fetching (the runner) and to rebuild from the archive (replay).
struct WindowLoader {
    let connection: PostgresConnection
    let logger: Logger

    /// Loads the pages of the window's current generation: `pages` when the caller has them decoded
    /// already, else read back from the archive. `provisional` nil keeps the stored flag.
    func load(_ window: WindowRecord, spec: StreamSpec, streamID: Int, provisional: Bool?, pages: [UsagePage]? = nil) throws -> Int {
        let decoded = try pages ?? archivedPages(window, spec: spec)
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

    /// The window's archived pages, verified and decoded.
    func archivedPages(_ window: WindowRecord, spec: StreamSpec) throws -> [UsagePage] {
        let decoder = PageDecoder(endpoint: spec.endpoint)
        return try Archive(connection: connection).pages(windowID: window.id, generation: window.generation).map { archived in
            do { return try decoder.decode(archived.body) } catch var error as DecodeError {
                error.context = "window \(window.id), page \(archived.pageIndex)"
                throw error
            }
        }
    }
}
