import ArgumentParser
import Foundation
import Pipeline
import Postgres
import UsageAPI
import Warehouse

/// `usage-etl rerun --failed`: retry failed windows from their checkpoints.
struct Rerun: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Re-run the windows that failed, resuming from their checkpointed page cursor.")

    @Flag(help: "Re-run failed windows (required).") var failed = false
    @Option(help: "Only windows of this endpoint.") var endpoint: String?
    @OptionGroup var api: APIOptions

    func validate() throws {
        guard failed else { throw ValidationError("nothing to do: pass --failed") }
        if let endpoint, EndpointCatalog.named(endpoint) == nil { throw ValidationError("unknown endpoint '\(endpoint)'") }
    }

    func run() throws {
        let configuration = try api.configuration()
        let connection = try DatabaseOptions.connectMigrated()
        let runner = Runner(databaseURL: DatabaseOptions.conninfo, api: configuration, parallelism: api.parallelism, logger: Logging.logger)
        var jobs: [Runner.Job] = []
        for (window, streamID) in try WindowStore(connection: connection).failedWindows(endpoint: endpoint) {
            jobs.append(Runner.Job(spec: try Self.spec(streamID: streamID, connection: connection), streamID: streamID, window: window))
        }
        StopSignal.install()
        let runID = try RunReporting.begin("rerun", connection: connection)
        let summary = runner.run(jobs, refetch: false)
        RunReporting.finish(runID, summary: summary, connection: connection)
        try RunReporting.conclude("rerun", summary: summary)
    }

    /// Rebuilds a stream's spec from `etl.streams`.
    static func spec(streamID: Int, connection: PostgresConnection) throws -> StreamSpec {
        let row = try connection.query("""
            SELECT organization, endpoint, bucket_width, array_to_string(group_by, ','), filters FROM etl.streams WHERE stream_id = $1
            """, [.int(streamID)]).rows[0]
        guard let endpoint = EndpointCatalog.named(row[1]!), let width = BucketWidth(rawValue: row[2]!) else {
            throw CommandFailure.usage("stream \(streamID) names an unknown endpoint or width")
        }
        let groups = row[3]!.split(separator: ",").compactMap { Dimension(rawValue: String($0)) }
        var filters: [String: [String]] = [:]
        var batch: Bool? = nil
        for pair in row[4]!.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { continue }
            if kv[0] == "batch" { batch = kv[1] == "true" } else { filters[kv[0], default: []].append(kv[1]) }
        }
        return StreamSpec(organization: row[0]!, endpoint: endpoint, width: width, groupBy: groups, filters: filters, batch: batch)
    }
}
