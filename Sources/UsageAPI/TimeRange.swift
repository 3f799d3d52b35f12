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


/// Integer division rounding toward negative infinity (bucket boundaries before 1970 included).
/// `b` must be positive (a bucket width); no `a` overflows.
public func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let quotient = a / b
    return a % b < 0 ? quotient - 1 : quotient
}

/// Integer division rounding toward positive infinity; `b` must be positive, no `a` overflows.
public func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let quotient = a / b
    return a % b > 0 ? quotient + 1 : quotient
}
