import ArgumentParser
import Foundation
import Pipeline
import Postgres
import UsageAPI

/// `usage-etl sync`: the scheduled incremental run.
struct Sync: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load from each stream's high-water mark up to now, re-fetching a trailing lookback.")

    @OptionGroup var streams: StreamSelection
    @OptionGroup var api: APIOptions
    @Option(help: "Days to start back on an empty warehouse.") var initialDays: Int = 30
    @Option(help: "Hours re-fetched behind the high-water mark (default: 48 for 1d, 6 for 1h, 1 for 1m).") var lookbackHours: Int?

    func validate() throws {
        guard (1...365).contains(initialDays) else { throw ValidationError("--initial-days must be between 1 and 365") }
        if let lookbackHours, lookbackHours < 0 { throw ValidationError("--lookback-hours must not be negative") }
    }

    func run() throws {
        let configuration = try api.configuration()
        let connection = try DatabaseOptions.connectMigrated()
        let runner = Runner(databaseURL: DatabaseOptions.conninfo, api: configuration, parallelism: api.parallelism, logger: Logging.logger)
        let now = runner.now
        let width = BucketWidth(rawValue: streams.bucketWidth)!
        let lookback = Int64(lookbackHours ?? (width == .day ? 48 : width == .hour ? 6 : 1)) * 3600
        // The earliest start over all streams: each stream's own high-water mark less the lookback.
        var since = now
        for spec in streams.specs(organization: api.organization) {
            let mark = try connection.query("""
                SELECT extract(epoch FROM max(w.window_end))::bigint FROM etl.windows w JOIN etl.streams s USING (stream_id)
                WHERE s.organization = $1 AND s.endpoint = $2 AND s.bucket_width = $3 AND w.state = 'done'
                """, [.text(spec.organization), .text(spec.endpoint.name), .text(spec.width.rawValue)]).scalar.flatMap { Int64($0) }
            since = min(since, (mark ?? now - Int64(initialDays) * 86_400) - lookback)
        }
        since = max(since, now - 364 * 86_400)
        try Backfill.execute("sync", runner: runner, specs: streams.specs(organization: api.organization),
                             range: TimeRange(start: since, end: now), refetch: false, connection: connection)
    }
}
