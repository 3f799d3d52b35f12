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
        let organizations = try session.organizations(tellingOne: false)
        // With one key, every unfinished window (each carries its organization; the key reaches
        // the one it belongs to); with an organizations file, those of its organizations.
        let only = organizations.several ? organizations.ids : nil
        try session.execute(organizations: organizations, refetch: false) { _ in
            try store.unfinishedWindows(endpoint: endpoint?.name, servedSince: now - WindowPlanner.servedSeconds, organizations: only).map { window, streamID in
                Runner.Job(spec: try store.spec(streamID: streamID), streamID: streamID, window: window)
            }
        }
    }
}
