import ArgumentParser
import Foundation
import Pipeline
import UsageAPI

/// `usage-etl backfill`: load a historical range, window by window, each checkpointed.
struct Backfill: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Plan and load a historical range of every (or the chosen) endpoint.")

    @Option(help: "Start of the range: a date (2026-01-01, UTC) or an RFC 3339 timestamp.") var since: Moment
    @Option(help: "End of the range (exclusive), same formats.") var until: Moment
    @OptionGroup var streams: StreamSelection
    @OptionGroup var api: APIOptions
    @OptionGroup var reporting: RunOptions
    @Flag(help: "Fetch windows again even if already loaded (a refetch that finds nothing changed writes nothing).")
    var refetch = false

    func validate() throws {
        guard until.seconds > since.seconds else { throw ValidationError("--until (\(until.text)) must be after --since (\(since.text))") }
    }

    func run() throws {
        let session = try LoadSession("backfill", selection: streams, api: api, reporting: reporting)
        let range = TimeRange(start: since.seconds, end: until.seconds)
        try Self.checkRetention(range, now: session.now)
        let organizations = try session.organizations()
        let plans = organizations.ids.flatMap { organization in session.streams.map { ($0.spec(organization: organization), range) } }
        try session.execute(plans: plans, organizations: organizations, refetch: refetch)
    }

    /// A range the API no longer serves is a usage error naming the earliest date it does.
    static func checkRetention(_ range: TimeRange, now: Int64) throws {
        let retention = now - WindowPlanner.servedSeconds
        if range.start < retention {
            throw CommandFailure.usage("the range starts \(UTCTime.format(range.start)), before the earliest date the API serves (reporting_lookback_exceeded): \(UTCTime.format(retention)), and in whole buckets from the next bucket boundary after it")
        }
    }
}
