/// The width of a time bucket, as the API names it.
public enum BucketWidth: String, Sendable, CaseIterable, Comparable {
    case minute = "1m"
    case hour = "1h"
    case day = "1d"

    public var seconds: Int64 {
        switch self {
        case .minute: 60
        case .hour: 3_600
        case .day: 86_400
        }
    }

    public static func < (lhs: BucketWidth, rhs: BucketWidth) -> Bool { lhs.seconds < rhs.seconds }
}
