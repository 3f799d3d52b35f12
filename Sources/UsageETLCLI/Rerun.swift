import ArgumentParser
import Foundation
import Pipeline
import UsageAPI
import Warehouse

/// `usage-etl rerun --failed`: retry failed windows from their checkpoints.
struct Rerun: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Re-run the windows that failed or that a killed or stopped run left unfinished, resuming from their checkpointed page cursor.")

    @Flag(help: "Re-run failed windows, and those a killed or stopped run left running or pending (required).") var failed = false
    @Option(help: "Only windows of this endpoint.", transform: Endpoint.parseArgument) var endpoint: Endpoint?
    @OptionGroup var api: APIOptions
    @OptionGroup var reporting: RunOptions

    func validate() throws {
        guard failed else { throw ValidationError("nothing to do: pass --failed") }
    }

    func run() throws {
        let session = try LoadSession("rerun", selection: nil, api: api, reporting: reporting)
        let store = WindowStore(connection: session.connection)
        let now = session.now
        // Only the windows of the organizations this run can read: one key reads its own
        // organization (a window of another one fetched with it would file that key's data
        // under the other organization); an organizations file reads each of its own.
        let organizations = try session.organizations()
        let served = now - WindowPlanner.servedSeconds
        let others = try store.unfinishedWindows(endpoint: endpoint?.name, servedSince: served).count
            - store.unfinishedWindows(endpoint: endpoint?.name, servedSince: served, organizations: organizations.ids).count
        if others > 0 {
            Logging.logger.notice("rerun: \(others) unfinished windows of other organizations are left to their own keys (`usage-etl rerun --failed --organizations FILE` reads several)")
        }
        try session.execute(organizations: organizations, refetch: false) { _ in
            try store.unfinishedWindows(endpoint: endpoint?.name, servedSince: served, organizations: organizations.ids).map { window, streamID in
                Runner.Job(spec: try store.spec(streamID: streamID), streamID: streamID, window: window)
            }
        }
    }
}
