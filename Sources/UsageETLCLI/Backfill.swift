import ArgumentParser
import Foundation
import Pipeline
import Postgres
import UsageAPI

/// `usage-etl backfill`: load a historical range, window by window, each checkpointed.
struct Backfill: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Plan and load a historical range of every (or the chosen) endpoint.")

    @Option(help: "Start of the range: a date (2026-01-01, UTC) or an RFC 3339 timestamp.") var since: String
    @Option(help: "End of the range (exclusive), same formats.") var until: String
    @OptionGroup var streams: StreamSelection
    @OptionGroup var api: APIOptions
    @Flag(help: "Fetch windows again even if already loaded.") var refetch = false

    func validate() throws {
        guard let start = UTCTime.parse(since) else { throw ValidationError("invalid --since '\(since)': use 2026-01-01 or an RFC 3339 timestamp") }
        guard let end = UTCTime.parse(until) else { throw ValidationError("invalid --until '\(until)': use 2026-01-01 or an RFC 3339 timestamp") }
        guard end > start else { throw ValidationError("--until (\(until)) must be after --since (\(since))") }
    }

    func run() throws {
        let configuration = try api.configuration()
        let connection = try DatabaseOptions.connectMigrated()
        let runner = Runner(databaseURL: DatabaseOptions.conninfo, api: configuration, parallelism: api.parallelism, logger: Logging.logger)
        let range = TimeRange(start: UTCTime.parse(since)!, end: UTCTime.parse(until)!)
        try Backfill.execute("backfill", runner: runner, specs: streams.specs(organization: api.organization),
                             range: range, refetch: refetch, connection: connection)
    }

    static func execute(_ command: String, runner: Runner, specs: [StreamSpec], range: TimeRange, refetch: Bool,
                        connection: PostgresConnection) throws {
        let retention = runner.now - 365 * 86_400
        if range.start < retention {
            throw CommandFailure.usage("the range starts \(UTCTime.format(range.start)), before the earliest date the API serves (reporting_lookback_exceeded): \(UTCTime.format((retention / 86_400 + 1) * 86_400))")
        }
        StopSignal.install()
        let runID = try RunReporting.begin(command, connection: connection)
        let jobs = try runner.plan(specs, range: range, refetch: refetch, connection: connection)
        Logging.logger.info("\(command): \(jobs.count) windows to load across \(specs.count) streams")
        let summary = runner.run(jobs, refetch: refetch)
        RunReporting.finish(runID, summary: summary, connection: connection)
        try RunReporting.conclude(command, summary: summary)
    }
}
