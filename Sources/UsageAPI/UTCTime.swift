import Foundation

/// Parsing and printing of times as operators write them: `2026-01-01` (UTC midnight) or RFC 3339.
public enum UTCTime {
    public static func parse(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let dateOnly = trimmed.split(separator: "-")
        if trimmed.count == 10, dateOnly.count == 3, let y = Int64(dateOnly[0]), let m = Int64(dateOnly[1]), let d = Int64(dateOnly[2]),
           (1...12).contains(m), (1...31).contains(d) {
            return daysFromCivil(y, m, d) * 86_400
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: trimmed) { return Int64(date.timeIntervalSince1970) }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: trimmed) { return Int64(date.timeIntervalSince1970.rounded(.down)) }
        return nil
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
