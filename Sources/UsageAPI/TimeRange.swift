/// A time range [start, end) in Unix seconds.
public struct TimeRange: Sendable, Hashable, CustomStringConvertible {
    public var start: Int64
    public var end: Int64

    public init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }

    public var description: String { "\(start)..\(end)" }
}

