import UsageAPI
/// What a run did, for `etl.runs`, logs and the exit code.
public struct RunSummary: Sendable {
    public var windowsDone = 0
    public var windowsFailed = 0
    public var windowsSkipped = 0
    public var pages = 0
    public var rows = 0
    public var bytes = 0
    public var retries = 0
    public var errors: [String] = []
    /// Set when the key was refused: the run stopped early.
    public var unauthorized: String?
    /// Organizations of a several-organization run that stopped (key refused, or not told apart),
    /// by id, with why; the others' windows were loaded.
    public var failedOrganizations: [String: String] = [:]
    /// Windows failed per organization of a several-organization run (by id; the CLI relabels them
    /// with display names), so the exit message names the organizations that failed.
    public var windowsFailedByOrganization: [String: Int] = [:]
    /// Windows loaded per organization of a several-organization run (by id): an organization
    /// with one has shown that its key reads it.
    public var windowsDoneByOrganization: [String: Int] = [:]
    /// Result fields the catalog does not know, by endpoint name, over the windows loaded.
    public var unknownFields: [String: UnknownFields] = [:]
    /// The same figures per endpoint, for the summary table at the end of a run.
    public var byEndpoint: [String: EndpointTotals] = [:]
    public var interrupted = false
    /// Set when the windows were loaded but the named dimensions could not be refreshed.
    public var directoryError: String?

    public init() {}

    /// Adds a window's unknown fields under its endpoint.
    mutating func add(unknown fields: UnknownFields, endpoint: String) {
        guard !fields.isEmpty else { return }
        unknownFields[endpoint, default: UnknownFields()].add(fields)
    }

    /// Counts one window's result under its endpoint; `from`/`to` the wall-clock span of its work.
    public mutating func record(_ result: RunSummary, endpoint: String, from: Double, to: Double) {
        var totals = EndpointTotals()
        totals.windowsDone = result.windowsDone
        totals.windowsFailed = result.windowsFailed
        totals.windowsSkipped = result.windowsSkipped
        totals.rows = result.rows
        totals.pages = result.pages
        totals.bytes = result.bytes
        totals.retries = result.retries
        totals.firstStart = from
        totals.lastEnd = to
        byEndpoint[endpoint, default: EndpointTotals()].add(totals)
    }

    public var outcome: String {
        if unauthorized != nil { return "failed" }
        if interrupted { return "interrupted" }
        if windowsFailed > 0 || !failedOrganizations.isEmpty { return windowsDone > 0 ? "partial" : "failed" }
        if directoryError != nil { return "partial" }
        return "succeeded"
    }

    public mutating func add(_ other: RunSummary) {
        windowsDone += other.windowsDone
        windowsFailed += other.windowsFailed
        windowsSkipped += other.windowsSkipped
        pages += other.pages
        rows += other.rows
        bytes += other.bytes
        retries += other.retries
        errors += other.errors
        unauthorized = unauthorized ?? other.unauthorized
        failedOrganizations.merge(other.failedOrganizations) { first, _ in first }
        windowsFailedByOrganization.merge(other.windowsFailedByOrganization, uniquingKeysWith: +)
        windowsDoneByOrganization.merge(other.windowsDoneByOrganization, uniquingKeysWith: +)
        interrupted = interrupted || other.interrupted
        for (endpoint, fields) in other.unknownFields { add(unknown: fields, endpoint: endpoint) }
        for (endpoint, totals) in other.byEndpoint { byEndpoint[endpoint, default: EndpointTotals()].add(totals) }
    }
}

/// Totals of a run in progress, for progress displays.
public struct RunProgress: Sendable {
    public var windowsTotal: Int
    public var windowsDone = 0
    public var windowsFailed = 0
    public var windowsSkipped = 0
    public var pages = 0
    public var rows = 0

    public var windowsFinished: Int { windowsDone + windowsFailed + windowsSkipped }
}

/// One endpoint's share of a run: windows by outcome, rows, pages, bytes, retries, and the span
/// from the start of its first window to the end of its last (Unix seconds).
public struct EndpointTotals: Sendable, Equatable {
    public var windowsDone = 0
    public var windowsFailed = 0
    public var windowsSkipped = 0
    public var rows = 0
    public var pages = 0
    public var bytes = 0
    public var retries = 0
    public var firstStart = Double.infinity
    public var lastEnd = -Double.infinity

    public init() {}

    /// Wall time from the first window's start to the last one's end.
    public var seconds: Double { lastEnd >= firstStart ? lastEnd - firstStart : 0 }

    mutating func add(_ other: EndpointTotals) {
        windowsDone += other.windowsDone
        windowsFailed += other.windowsFailed
        windowsSkipped += other.windowsSkipped
        rows += other.rows
        pages += other.pages
        bytes += other.bytes
        retries += other.retries
        firstStart = min(firstStart, other.firstStart)
        lastEnd = max(lastEnd, other.lastEnd)
    }
}
