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
    @OptionGroup var reporting: RunOptions

    func validate() throws {
        guard failed else { throw ValidationError("nothing to do: pass --failed") }
        if let endpoint, EndpointCatalog.named(endpoint) == nil { throw ValidationError("unknown endpoint '\(endpoint)'") }
    }

    func run() throws {
        reporting.start()
        let configuration = try api.configuration()
        let connection = try DatabaseOptions.connectMigrated()
        let progress = reporting.progressDisplay("rerun")
        let runner = Runner(databaseURL: DatabaseOptions.conninfo, api: configuration, parallelism: api.parallelism(nil),
                            logger: Logging.logger, onProgress: progress?.callback)
        let store = WindowStore(connection: connection)
        var jobs: [Runner.Job] = []
        for (window, streamID) in try store.failedWindows(endpoint: endpoint) {
            jobs.append(Runner.Job(spec: try store.spec(streamID: streamID), streamID: streamID, window: window))
        }
        StopSignal.install()
        let started = Date()
        let runID = try RunReporting.begin("rerun", connection: connection)
        let summary = runner.run(jobs, refetch: false)
        progress?.end()
        try reporting.finish("rerun", runID: runID, started: started, summary: summary, connection: connection)
    }
}
