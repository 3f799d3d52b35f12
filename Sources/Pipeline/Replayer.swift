import Logging
import Postgres
import UsageAPI
import Warehouse

/// Rebuilds the facts of loaded windows from the raw archive alone, with no network: each window's
/// archived pages are decoded and replace its slice, one transaction per window, exactly as the
/// original load did. A window whose archive is damaged fails alone and keeps its facts.
public struct Replayer {
    public let connection: PostgresConnection
    public let logger: Logger

    public init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Replays every loaded window overlapping `range`, optionally only of `endpoints`.
    public func replay(range: TimeRange, endpoints: [String]) throws -> RunSummary {
        let store = WindowStore(connection: connection)
        let loader = WindowLoader(connection: connection, logger: logger)
        var specs: [Int: StreamSpec] = [:]
        var summary = RunSummary()
        for (window, streamID) in try store.doneWindows(from: range.start, to: range.end, endpoints: endpoints) {
            if StopSignal.isRequested { summary.interrupted = true; break }
            let spec = try specs[streamID] ?? store.spec(streamID: streamID)
            specs[streamID] = spec
            let label = "\(spec.endpoint.name) \(spec.width.rawValue) \(UTCTime.format(window.range.start))..\(UTCTime.format(window.range.end))"
            do {
                guard try store.tryClaim(window.id) else {
                    logger.info("\(label): held by a running load, skipped")
                    summary.windowsSkipped += 1
                    continue
                }
                defer { try? store.release(window.id) }
                let rows = try loader.load(window, spec: spec, streamID: streamID, provisional: nil, verify: true)
                summary.windowsDone += 1
                summary.pages += window.pagesFetched
                summary.rows += rows
                logger.info("\(label): replayed \(rows) rows from \(window.pagesFetched) archived pages")
            } catch {
                summary.windowsFailed += 1
                summary.errors.append("\(label): \(error)")
                logger.error("\(label): replay failed, facts left as they were: \(error)")
            }
        }
        return summary
    }
}
