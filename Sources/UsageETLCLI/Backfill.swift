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
    @OptionGroup var reporting: RunOptions
    @Flag(help: "Fetch windows again even if already loaded (a refetch that finds nothing changed writes nothing).")
    var refetch = false

    func validate() throws {
        guard let start = UTCTime.parse(since) else { throw ValidationError("invalid --since '\(since)': use 2026-01-01 or an RFC 3339 timestamp") }
        guard let end = UTCTime.parse(until) else { throw ValidationError("invalid --until '\(until)': use 2026-01-01 or an RFC 3339 timestamp") }
        guard end > start else { throw ValidationError("--until (\(until)) must be after --since (\(since))") }
    }

    func run() throws {
        reporting.start()
        let definition = try streams.definition()
        let selected = try streams.streams(of: definition)
        let configuration = try api.configuration(definition)
        let connection = try DatabaseOptions.connectMigrated()
        let progress = reporting.progressDisplay("backfill")
        let runner = Runner(databaseURL: DatabaseOptions.conninfo, api: configuration, parallelism: api.parallelism(definition),
                            logger: Logging.logger, onProgress: progress?.callback)
        let range = TimeRange(start: UTCTime.parse(since)!, end: UTCTime.parse(until)!)
        try Self.checkRetention(range, now: runner.now)
        let organization = try api.organization(configuration, now: runner.now)
        try Self.execute("backfill", runner: runner, plans: selected.map { ($0.spec(organization: organization), range) },
                         refetch: refetch, connection: connection, run: reporting, progress: progress)
    }

    /// A range the API no longer serves is a usage error naming the earliest date it does.
    static func checkRetention(_ range: TimeRange, now: Int64) throws {
        let retention = now - 365 * 86_400
        if range.start < retention {
            throw CommandFailure.usage("the range starts \(UTCTime.format(range.start)), before the earliest date the API serves (reporting_lookback_exceeded): \(UTCTime.format((retention / 86_400 + 1) * 86_400))")
        }
    }

    /// Plans each stream's range, loads the windows that need work, records the run and exits accordingly.
    static func execute(_ command: String, runner: Runner, plans: [(StreamSpec, TimeRange)], refetch: Bool,
                        connection: PostgresConnection, run: RunOptions, progress: ProgressDisplay?) throws {
        StopSignal.install()
        let started = Date()
        let runID = try RunReporting.begin(command, connection: connection)
        var jobs: [Runner.Job] = []
        for (spec, range) in plans {
            jobs += try runner.plan([spec], range: range, refetch: refetch, connection: connection)
        }
        Logging.logger.info("\(command): \(jobs.count) windows to load across \(plans.count) streams")
        let summary = runner.run(jobs, refetch: refetch)
        progress?.end()
        try run.finish(command, runID: runID, started: started, summary: summary, connection: connection)
    }
}
