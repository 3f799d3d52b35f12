import ArgumentParser
import Foundation
import Pipeline
import UsageAPI
import Warehouse

/// `usage-etl replay`: rebuild facts from the raw archive, with no network.
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild the facts of a range from the raw archive alone (no API key, no network).")

    @Option(help: "Start of the range: a date (2026-01-01, UTC) or an RFC 3339 timestamp.") var since: Moment
    @Option(help: "End of the range (exclusive), same formats.") var until: Moment
    @Option(name: .customLong("endpoint"), help: "Only this endpoint (repeatable).", transform: Endpoint.parseArgument)
    var endpoints: [Endpoint] = []
    @Option(name: .customLong("organization"), help: "Only this organization id (repeatable; default: every organization in the warehouse).")
    var organizations: [String] = []
    @Option(help: "Windows replayed at once, each on its own connection (default 2).") var parallelism: Int = 2
    @OptionGroup var reporting: RunOptions

    func validate() throws {
        guard (1...32).contains(parallelism) else { throw ValidationError("--parallelism must be between 1 and 32") }
        guard until.seconds > since.seconds else { throw ValidationError("--until (\(until.text)) must be after --since (\(since.text))") }
    }

    func run() throws {
        reporting.start(progressLine: false)
        let connection = try DatabaseOptions.connectMigrated()
        let unknown = Set(organizations).subtracting(try WindowStore(connection: connection).organizations())
        guard unknown.isEmpty else {
            throw CommandFailure.usage("replay: no organization \(unknown.sorted().joined(separator: ", ")) in the warehouse (--organization takes an id, e.g. org-…; `usage-etl status` lists them)")
        }
        StopSignal.install()
        let started = Date()
        let runID = try RunReporting.begin("replay", connection: connection)
        let range = TimeRange(start: since.seconds, end: until.seconds)
        let summary = try Replayer(connection: connection, logger: Logging.logger).replay(range: range, endpoints: endpoints.map(\.name),
                                                                                          organizations: organizations.isEmpty ? nil : organizations, parallelism: parallelism,
                                                                                          databaseURL: DatabaseOptions.conninfo)
        // A window replay cannot read has a damaged archive: fetching the range again mends it.
        let again = ["usage-etl backfill --refetch --since", since.text, "--until", until.text].joined(separator: " ")
            + endpoints.map { " --endpoint \($0.name)" }.joined()
        try reporting.finish("replay", runID: runID, started: started, summary: summary, connection: connection, rerun: again)
    }
}
