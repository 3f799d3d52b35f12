import ArgumentParser
import Foundation
import Pipeline
import UsageAPI
import Warehouse

/// `usage-etl sync`: the scheduled incremental run.
struct Sync: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load from each stream's high-water mark up to now, re-fetching a trailing lookback.")

    @OptionGroup var streams: StreamSelection
    @OptionGroup var api: APIOptions
    @OptionGroup var reporting: RunOptions
    @Option(help: "Days to start back on an empty warehouse (default: the pipeline's initial_period, else 30).")
    var initialDays: Int?
    @Option(help: "Hours re-fetched behind the high-water mark (default: the pipeline's lookback, else 48 for 1d, 6 for 1h, 1 for 1m).")
    var lookbackHours: Int?
    @Flag(help: "Do not refresh the names of projects, users, API keys and service accounts after loading.")
    var skipDimensions = false

    func validate() throws {
        if let initialDays, !(1...365).contains(initialDays) { throw ValidationError("--initial-days must be between 1 and 365") }
        if let lookbackHours, !(0...8_784).contains(lookbackHours) {
            throw ValidationError("--lookback-hours must be between 0 and 8784 (the year the API serves)")
        }
    }

    func run() throws {
        let session = try LoadSession("sync", selection: streams, api: api, reporting: reporting)
        let (connection, now) = (session.connection, session.now)
        let organizations = try session.organizations()
        let initial = initialDays.map { Int64($0) * 86_400 } ?? session.definition!.initialPeriodSeconds
        let store = WindowStore(connection: connection)
        var plans: [(StreamSpec, TimeRange)] = []
        for organization in organizations.ids {
          for stream in session.streams {
            let spec = stream.spec(organization: organization)
            let lookback = lookbackHours.map { Int64($0) * 3600 } ?? stream.lookbackSeconds
            // Each stream from its own high-water mark, less its lookback, within the API's retention.
            let mark = try store.highWaterMark(streamID: try store.streamID(for: spec))
            let since = max(min((mark ?? now - initial) - lookback, now - 1), now - (EndpointCatalog.reportingHistorySeconds - 86_400)) // a day inside the limit
            plans.append((spec, TimeRange(start: since, end: now)))
          }
        }
        // Besides its range, each stream's windows that are not done (a killed or stopped run's, a
        // failed one) or still provisional, whatever the lookback.
        try session.execute(plans: plans, organizations: organizations, refetch: false, unsettled: true, refreshNames: !skipDimensions)
    }
}
