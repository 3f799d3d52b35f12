import Foundation

/// A query parameter, sent to the server in text form (or binary for `bytea`).
public enum PostgresValue: Sendable, Equatable {
    case null
    case text(String)
    /// Raw bytes, sent in binary format so no escaping is involved.
    case bytea([UInt8])

    /// An exact decimal given as text, e.g. `"0.06375000000000001"`, for `numeric` columns.
    public static func numeric(_ decimalText: String) -> PostgresValue { .text(decimalText) }

    public static func int(_ value: Int) -> PostgresValue { .text(String(value)) }

    public static func int64(_ value: Int64) -> PostgresValue { .text(String(value)) }

    public static func bool(_ value: Bool) -> PostgresValue { .text(value ? "true" : "false") }

    /// A point in time as ISO 8601 with a UTC offset, for `timestamptz` columns.
    public static func timestamp(_ date: Date) -> PostgresValue {
        .text(PostgresTimestamp.format(date))
    }

    /// A point in time given as Unix seconds, for `timestamptz` columns.
    public static func unixSeconds(_ seconds: Int64) -> PostgresValue {
        .text(PostgresTimestamp.format(Date(timeIntervalSince1970: TimeInterval(seconds))))
    }

    public static func optionalText(_ value: String?) -> PostgresValue {
        value.map(PostgresValue.text) ?? .null
    }
}

extension PostgresValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
}

/// Formatting and parsing of `timestamptz` text in UTC.
public enum PostgresTimestamp {
    public static func format(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let whole = Int64(seconds.rounded(.down))
        let micros = Int64(((seconds - Double(whole)) * 1_000_000).rounded())
        var text = formatUnix(whole)
        if micros > 0 {
            let fraction = String(micros)
            text.insert(contentsOf: "." + String(repeating: "0", count: 6 - fraction.count) + fraction,
                        at: text.index(text.endIndex, offsetBy: -6))
        }
        return text
    }

    /// `YYYY-MM-DD HH:MM:SS+00:00` for Unix seconds.
    public static func formatUnix(_ seconds: Int64) -> String {
        // Floor division written so that no Int64 overflows.
        let days = seconds / 86_400 - (seconds % 86_400 < 0 ? 1 : 0)
        let secondOfDay = seconds - days * 86_400
        let (y, m, d) = civilFromDays(days)
        func pad(_ v: Int64, _ w: Int) -> String {
            let s = String(v)
            return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2)) \(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay % 3600 / 60, 2)):\(pad(secondOfDay % 60, 2))+00:00"
    }

    /// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian, UTC).
    static func civilFromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
