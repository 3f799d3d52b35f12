import UsageAPI

/// A window row of `etl.windows`: one request range of a stream and its checkpoint.
public struct WindowRecord: Sendable, Hashable {
    public enum State: String, Sendable { case pending, running, done, failed }

    public var id: Int64
    public var streamID: Int
    public var range: TimeRange
    public var state: State
    public var attempts: Int
    public var generation: Int
    /// Cursor of the next page to fetch; nil with `pagesFetched == 0` means "from the start".
    public var nextPage: String?
    public var pagesFetched: Int
    public var provisional: Bool
    public var lastError: String?
    /// When the first page of the current generation was fetched (Unix seconds); nil before any.
    public var fetchedAt: Int64?
}
