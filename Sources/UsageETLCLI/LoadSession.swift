import APIClient
import Foundation
import Pipeline
import Postgres
import UsageAPI

/// What the loading commands (`backfill`, `sync`, `rerun`) start from and end with: logging, the
/// pipeline and its selected streams, the API configuration, the warehouse, a runner reporting to
/// the progress display; then the run recorded in `etl.runs` and turned into an exit code.
struct LoadSession {
    let command: String
    /// The pipeline (nil for `rerun`, whose windows carry their own streams).
    let definition: PipelineDefinition?
    let streams: [PipelineDefinition.Stream]
    let configuration: APIConfiguration
    let connection: PostgresConnection
    let runner: Runner
    private let api: APIOptions
    private let reporting: RunOptions
    private let progress: ProgressDisplay?

    init(_ command: String, selection: StreamSelection?, api: APIOptions, reporting: RunOptions) throws {
        reporting.start()
        self.command = command
        self.api = api
        self.reporting = reporting
        definition = try selection?.definition()
        streams = try definition.map { try selection!.streams(of: $0) } ?? []
        configuration = try api.configuration(definition)
        connection = try DatabaseOptions.connectMigrated()
        progress = reporting.progressDisplay(command)
        runner = Runner(databaseURL: DatabaseOptions.conninfo, api: configuration, parallelism: api.parallelism(definition),
                        logger: Logging.logger, onProgress: progress?.callback)
    }

    /// The organization the rows are filed under (may ask the API once: call after validating input).
    func organization() throws -> String { try api.organization(configuration, now: runner.now, connection: connection) }

    /// Plans each stream's range and loads the windows that need work; then, when
    /// `namesOf` is given, refreshes that organization's named dimensions.
    /// `unsettled` also loads each stream's earlier windows that are not done or still provisional.
    func execute(plans: [(StreamSpec, TimeRange)], refetch: Bool, unsettled: Bool = false, namesOf organization: String? = nil) throws {
        try execute(refetch: refetch, namesOf: organization) {
            try plans.flatMap { try runner.plan([$0.0], range: $0.1, refetch: refetch, unsettled: unsettled, connection: connection) }
        }
    }

    /// Loads the windows `jobs` names, records the run and exits accordingly.
    func execute(refetch: Bool, namesOf organization: String? = nil, jobs: () throws -> [Runner.Job]) throws {
        StopSignal.install()
        let started = Date()
        let runID = try RunReporting.begin(command, connection: connection)
        let jobs = try jobs()
        Logging.logger.info("\(command): \(jobs.count) windows to load")
        var summary = runner.run(jobs, refetch: refetch)
        progress?.end()
        if let organization, !summary.interrupted, summary.unauthorized == nil, !StopSignal.isRequested {
            do {
                let outcome = try DirectoryRefresh(configuration: configuration, connection: connection)
                    .run(organization: organization, waitIfBusy: false)
                if outcome.skipped {
                    Logging.logger.info("\(command): names are being refreshed by another run; not refreshed twice")
                } else {
                    Logging.logger.info("\(command): names refreshed: \(outcome.projects) projects, \(outcome.users) users, \(outcome.apiKeys) API keys, \(outcome.serviceAccounts) service accounts; \(outcome.changes) changes; \(outcome.requests) requests")
                }
            } catch {
                Logging.logger.error("\(command): names not refreshed: \(error)")
                summary.directoryError = "\(error)"
            }
        }
        try reporting.finish(command, runID: runID, started: started, summary: summary, connection: connection)
    }
}
