import APIClient
import Foundation
import Pipeline
import Postgres
import UsageAPI
import Warehouse

/// What the loading commands (`backfill`, `sync`, `rerun`) start from and end with: logging, the
/// pipeline and its selected streams, the organizations and their keys, the warehouse, a runner
/// reporting to the progress display; then the run recorded in `etl.runs` and turned into an exit code.
struct LoadSession {
    let command: String
    /// The pipeline (nil for `rerun`, whose windows carry their own streams).
    let definition: PipelineDefinition?
    let streams: [PipelineDefinition.Stream]
    /// One admin key, or every organization of `--organizations`.
    let targets: APIOptions.Targets
    let connection: PostgresConnection
    /// The instant the session plans from (Unix seconds).
    let now: Int64
    private let api: APIOptions
    private let reporting: RunOptions
    private let progress: ProgressDisplay?
    private let parallelism: Int

    init(_ command: String, selection: StreamSelection?, api: APIOptions, reporting: RunOptions) throws {
        reporting.start()
        self.command = command
        self.api = api
        self.reporting = reporting
        definition = try selection?.definition()
        streams = try definition.map { try selection!.streams(of: $0) } ?? []
        targets = try api.targets(definition)
        connection = try DatabaseOptions.connectMigrated()
        progress = reporting.progressDisplay(command)
        parallelism = api.parallelism(definition)
        now = Int64(Date().timeIntervalSince1970)
    }

    typealias Organizations = APIOptions.Organizations

    /// Tells each organization's id (see `APIOptions.organizations`).
    func organizations() throws -> Organizations {
        try api.organizations(targets, command: command, now: now, connection: connection)
    }

    /// Plans each stream's range and loads the windows that need work; then, with `refreshNames`,
    /// refreshes each organization's named dimensions. `unsettled` also loads each stream's earlier
    /// windows that are not done or still provisional.
    func execute(plans: [(StreamSpec, TimeRange)], organizations: Organizations, refetch: Bool, unsettled: Bool = false,
                 refreshNames: Bool = false) throws {
        try execute(organizations: organizations, refetch: refetch, refreshNames: refreshNames) { runner in
            try plans.flatMap { try runner.plan([$0.0], range: $0.1, refetch: refetch, unsettled: unsettled, connection: connection) }
        }
    }

    /// Loads the windows `jobs` names, records the run and exits accordingly.
    func execute(organizations: Organizations, refetch: Bool, refreshNames: Bool = false, jobs: (Runner) throws -> [Runner.Job]) throws {
        StopSignal.install()
        let started = Date()
        let runner = organizations.several
            ? Runner(databaseURL: DatabaseOptions.conninfo, organizations: organizations.accesses, parallelism: parallelism,
                     logger: Logging.logger, onProgress: progress?.callback)
            : Runner(databaseURL: DatabaseOptions.conninfo, api: organizations.accesses[0].api, parallelism: parallelism,
                     logger: Logging.logger, onProgress: progress?.callback)
        progress?.attach(runner.activity)
        let runID = try RunReporting.begin(command, connection: connection)
        let jobs = try jobs(runner)
        Logging.logger.info("\(command): \(jobs.count) windows to load")
        var summary = runner.run(jobs, refetch: refetch)
        progress?.end()
        api.rememberVerified(organizations, loaded: summary.windowsDoneByOrganization, now: now, connection: connection)
        // Failed organizations by display name and id.
        var failed = organizations.failed
        for (id, reason) in summary.failedOrganizations {
            let name = organizations.accesses.first { $0.id == id }?.name
            failed[name.map { "\($0) (\(id))" } ?? id] = reason
        }
        summary.failedOrganizations = failed
        summary.windowsFailedByOrganization = Dictionary(summary.windowsFailedByOrganization.map { id, count in
            (organizations.accesses.first { $0.id == id }?.name.map { "\($0) (\(id))" } ?? id, count)
        }, uniquingKeysWith: +)
        if refreshNames, !summary.interrupted, summary.unauthorized == nil, !StopSignal.isRequested {
            var errors: [String] = []
            for access in organizations.accesses {
                guard let id = access.id, summary.failedOrganizations[access.name.map { "\($0) (\(id))" } ?? id] == nil else { continue }
                if let error = refreshDirectory(of: id, named: access.name, with: access.api) { errors.append(error) }
            }
            if !errors.isEmpty { summary.directoryError = errors.joined(separator: "; ") }
        }
        try reporting.finish(command, runID: runID, started: started, summary: summary, connection: connection,
                             rerun: "usage-etl rerun --failed" + (api.organizationsFile.path.map { " --organizations \(Self.shellQuoted($0))" } ?? ""))
    }

    /// A path as a shell word.
    static func shellQuoted(_ text: String) -> String {
        text.allSatisfy { $0.isLetter || $0.isNumber || "/._-+=:,@".contains($0) } ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Refreshes one organization's names; returns the error, if any.
    private func refreshDirectory(of organization: String, named name: String?, with configuration: APIConfiguration) -> String? {
        let label = name.map { "\($0) (\(organization))" } ?? organization
        let of = name == nil ? "" : " of \(label)" // one key: the messages as they always were
        do {
            let outcome = try DirectoryRefresh(configuration: configuration, connection: connection)
                .run(organization: organization, waitIfBusy: false)
            if outcome.skipped {
                Logging.logger.info("\(command): names\(of) are being refreshed by another run; not refreshed twice")
            } else {
                Logging.logger.info("\(command): names\(of) refreshed: \(outcome.projects) projects, \(outcome.users) users, \(outcome.apiKeys) API keys, \(outcome.serviceAccounts) service accounts; \(outcome.changes) changes; \(outcome.requests) requests")
            }
            return nil
        } catch {
            Logging.logger.error("\(command): names\(of) not refreshed: \(error)")
            return name == nil ? "\(error)" : "\(label): \(error)"
        }
    }
}
