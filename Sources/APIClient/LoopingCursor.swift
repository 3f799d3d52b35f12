/// Pagination that does not advance: the API is looping (a cursor seen twice, a page that brings
/// nothing new, more pages than the listing can have). Thrown by the directory fetcher and by the
/// runner's page loop.
public struct LoopingCursor: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { "pagination loop: \(reason)" }

    public init(reason: String) { self.reason = reason }
}
