import Foundation

/// Parsing and printing of times as operators write them: `2026-01-01` (UTC midnight) or RFC 3339.
public enum UTCTime {
    /// The instants this tool reads and writes: 0001-01-01 through 9999-12-31 UTC. Every one is a
    /// PostgreSQL `timestamptz`, and arithmetic on them (windows, buckets) stays far from overflow.
    public static let supported: ClosedRange<Int64> = -62_135_596_800 ... 253_402_300_799

    /// Unix seconds of `2026-01-01` (UTC midnight) or an RFC 3339 timestamp; nil for anything else,
    /// impossible dates (`2026-02-30`) and instants outside `supported`.
    ///
    /// Read digit by digit: ICU's date parser, which Foundation's ISO8601DateFormatter calls, dies
    /// with SIGFPE on a fraction of some sixty digits.
    public static func parse(_ text: String) -> Int64? {
        let b = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        guard let day = day(b) else { return nil }
        if b.count == 10 { return day * 86_400 }
        return rfc3339(b, day: day)
    }

    /// The `n` digits at `from` as a number, or nil.
    private static func number(_ b: [UInt8], _ from: Int, _ count: Int) -> Int64? {
        guard from + count <= b.count else { return nil }
        var value: Int64 = 0
        for byte in b[from..<(from + count)] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func byte(_ b: [UInt8], _ at: Int, _ allowed: String) -> Bool { at < b.count && allowed.utf8.contains(b[at]) }

    /// Days since 1970-01-01 of the `YYYY-MM-DD` the text starts with, a real date; or nil.
    private static func day(_ b: [UInt8]) -> Int64? {
        guard let y = number(b, 0, 4), byte(b, 4, "-"), let m = number(b, 5, 2), byte(b, 7, "-"), let d = number(b, 8, 2),
              y >= 1, (1...12).contains(m), d >= 1, d <= daysInMonth(y, m) else { return nil }
        return daysFromCivil(y, m, d)
    }

    /// The rest of an RFC 3339 time after its date: `T10:00:00.250+02:00` (`t`, `z` and a space
    /// accepted). Fractions of a second are dropped (times round down to the second); leap seconds
    /// (`:60`) are refused.
    private static func rfc3339(_ b: [UInt8], day: Int64) -> Int64? {
        guard b.count >= 20, byte(b, 10, "Tt "), let hour = number(b, 11, 2), byte(b, 13, ":"), let minute = number(b, 14, 2),
              byte(b, 16, ":"), let second = number(b, 17, 2), hour < 24, minute < 60, second < 60 else { return nil }
        var index = 19
        if byte(b, index, ".") {
            index += 1
            let digits = index
            while index < b.count, b[index] >= UInt8(ascii: "0"), b[index] <= UInt8(ascii: "9") { index += 1 }
            guard index > digits else { return nil }
        }
        var offset: Int64 = 0
        if byte(b, index, "Zz") {
            index += 1
        } else if byte(b, index, "+-"), let offsetHours = number(b, index + 1, 2), byte(b, index + 3, ":"),
                  let offsetMinutes = number(b, index + 4, 2), offsetHours < 24, offsetMinutes < 60 {
            offset = (offsetHours * 3600 + offsetMinutes * 60) * (b[index] == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        } else {
            return nil
        }
        guard index == b.count else { return nil }
        let seconds = day * 86_400 + hour * 3600 + minute * 60 + second - offset
        return supported.contains(seconds) ? seconds : nil
    }

    static func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
        switch m {
        case 2: (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `2026-01-05T10:00:00Z`, in the proleptic Gregorian calendar (as PostgreSQL and `parse`
    /// count; Foundation's formatter switches to the Julian calendar before 1582). Instants outside
    /// `supported` are clamped to its ends.
    public static func format(_ seconds: Int64) -> String {
        let clamped = min(max(seconds, supported.lowerBound), supported.upperBound)
        let days = floorDiv(clamped, 86_400)
        let second = clamped - days * 86_400
        let (y, m, d) = civilFromDays(days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(second / 3600, 2)):\(pad(second % 3600 / 60, 2)):\(pad(second % 60, 2))Z"
    }

    /// Howard Hinnant's civil-from-days, the inverse of `daysFromCivil`: (year, month, day).
    public static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, doy - (153 * mp + 2) / 5 + 1)
    }

    public static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
