import Foundation

/// Parsing and printing of times as operators write them: `2026-01-01` (UTC midnight) or RFC 3339.
public enum UTCTime {
    /// The instants this tool reads and writes: 0001-01-01 through 9999-12-31 UTC. Every one is a
    /// PostgreSQL `timestamptz`, and arithmetic on them (windows, buckets) stays far from overflow.
    public static let supported: ClosedRange<Int64> = -62_135_596_800 ... 253_402_300_799

    /// Unix seconds of `2026-01-01` (UTC midnight) or an RFC 3339 timestamp; nil for anything else,
    /// impossible dates (`2026-02-30`) and instants outside `supported`.
    public static func parse(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let dateOnly = trimmed.split(separator: "-", omittingEmptySubsequences: false)
        if trimmed.utf8.count == 10, dateOnly.count == 3, dateOnly[0].utf8.count == 4,
           dateOnly.allSatisfy({ $0.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }),
           let y = Int64(dateOnly[0]), let m = Int64(dateOnly[1]), let d = Int64(dateOnly[2]) {
            guard y >= 1, (1...12).contains(m), d >= 1, d <= daysInMonth(y, m) else { return nil }
            return daysFromCivil(y, m, d) * 86_400
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var date = formatter.date(from: trimmed)
        if date == nil {
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            date = formatter.date(from: trimmed)
        }
        // Checked as a Double first: converting one outside Int64 would trap.
        guard let seconds = date?.timeIntervalSince1970.rounded(.down), seconds.isFinite,
              seconds >= Double(supported.lowerBound), seconds <= Double(supported.upperBound) else { return nil }
        return Int64(seconds)
    }

    static func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
        switch m {
        case 2: (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public static func format(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
