import ArgumentParser
import Foundation
import Pipeline
import UsageAPI

/// `usage-etl replay`: rebuild facts from the raw archive, with no network.
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild the facts of a range from the raw archive alone (no API key, no network).")

    @Option(help: "Start of the range: a date (2026-01-01, UTC) or an RFC 3339 timestamp.") var since: String
    @Option(help: "End of the range (exclusive), same formats.") var until: String
    @Option(name: .customLong("endpoint"), help: "Only this endpoint (repeatable).") var endpoints: [String] = []
    @Option(help: "Windows replayed at once, each on its own connection (default 2).") var parallelism: Int = 2
    @OptionGroup var reporting: RunOptions

    func validate() throws {
        guard (1...32).contains(parallelism) else { throw ValidationError("--parallelism must be between 1 and 32") }
        guard let start = UTCTime.parse(since) else { throw ValidationError("invalid --since '\(since)': use 2026-01-01 or an RFC 3339 timestamp") }
        guard let end = UTCTime.parse(until) else { throw ValidationError("invalid --until '\(until)': use 2026-01-01 or an RFC 3339 timestamp") }
        guard end > start else { throw ValidationError("--until (\(until)) must be after --since (\(since))") }
        for name in endpoints where EndpointCatalog.named(name) == nil {
            throw ValidationError("unknown endpoint '\(name)'; known: \(EndpointCatalog.all.map(\.name).joined(separator: ", "))")
        }
    }

    func run() throws {
        reporting.start()
        let connection = try DatabaseOptions.connectMigrated()
        StopSignal.install()
        let started = Date()
        let runID = try RunReporting.begin("replay", connection: connection)
        let range = TimeRange(start: UTCTime.parse(since)!, end: UTCTime.parse(until)!)
        let summary = try Replayer(connection: connection, logger: Logging.logger).replay(range: range, endpoints: endpoints, parallelism: parallelism,
                                                                                          databaseURL: DatabaseOptions.conninfo)
        try reporting.finish("replay", runID: runID, started: started, summary: summary, connection: connection)
    }
}
