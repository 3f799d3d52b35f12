import Foundation
import Pipeline
import Report

/// The table printed at the end of `backfill`, `sync`, `rerun` and `replay`: per endpoint, windows
/// loaded / failed / skipped, rows, pages, bytes, retries and wall time, and a total line.
enum SummaryTable {
    static func lines(_ summary: RunSummary, elapsed: Double) -> [String] {
        guard !summary.byEndpoint.isEmpty else { return [] }
        var rows = [["endpoint", "loaded", "failed", "skipped", "rows", "pages", "bytes", "retries", "wall time"]]
        for (endpoint, t) in summary.byEndpoint.sorted(by: { $0.key < $1.key }) {
            rows.append([endpoint, String(t.windowsDone), String(t.windowsFailed), String(t.windowsSkipped), group(t.rows), group(t.pages),
                         bytes(t.bytes), group(t.retries), ProgressDisplay.clock(t.seconds)])
        }
        rows.append(["total", String(summary.windowsDone), String(summary.windowsFailed), String(summary.windowsSkipped), group(summary.rows),
                     group(summary.pages), bytes(summary.bytes), group(summary.retries), ProgressDisplay.clock(elapsed)])
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                // Names left, figures right.
                c == 0 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - cell.count) + cell
            }.joined(separator: "  ")
        }
    }

    /// `base` narrowed to the failed endpoint when only one failed.
    static func rerunCommand(_ base: String, summary: RunSummary) -> String {
        let failed = summary.byEndpoint.filter { $0.value.windowsFailed > 0 }.map(\.key)
        guard base.hasPrefix("usage-etl rerun"), failed.count == 1, let endpoint = failed.first else { return base }
        return base + " --endpoint " + endpoint
    }

    static func group(_ value: Int) -> String { Count.format(Int64(value)) }

    static func bytes(_ value: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var amount = Double(value), unit = 0
        while amount >= 1024 && unit < units.count - 1 { amount /= 1024; unit += 1 }
        return unit == 0 ? "\(value) B" : String(format: "%.1f %@", amount, units[unit])
    }
}
