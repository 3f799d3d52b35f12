import ArgumentParser
import Foundation
import Postgres

/// `usage-etl status`: what is loaded, what failed, and the archive's size.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show windows done/failed/pending, high-water marks, errors and the archive per stream.")

    @Flag(help: "Machine-readable JSON.") var json = false

    func run() throws {
        let connection = try DatabaseOptions.connectMigrated()
        let result = try connection.query("""
            SELECT s.stream_id, s.endpoint, s.bucket_width, array_to_string(s.group_by, ',') AS group_by, s.filters,
                   count(*) FILTER (WHERE w.state = 'done') AS done,
                   count(*) FILTER (WHERE w.state = 'failed') AS failed,
                   count(*) FILTER (WHERE w.state IN ('pending', 'running')) AS pending,
                   -- running, but no run holds its claim: a killed run's, for `rerun --failed` or the next `sync`
                   count(*) FILTER (WHERE w.state = 'running' AND NOT EXISTS (
                       SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid = 7402
                         AND l.objid = w.window_id::oid AND l.objsubid = 2)) AS interrupted,
                   to_char(max(w.window_end) FILTER (WHERE w.state = 'done') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS high_water_mark,
                   (SELECT last_error FROM etl.windows x WHERE x.stream_id = s.stream_id AND x.state = 'failed' ORDER BY updated_at DESC LIMIT 1) AS last_error,
                   (SELECT to_char(x.window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '..' ||
                           to_char(x.window_end AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                    FROM etl.windows x WHERE x.stream_id = s.stream_id AND x.state = 'failed' ORDER BY updated_at DESC LIMIT 1) AS last_failed_window,
                   to_char(max(w.loaded_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS last_loaded,
                   min(a.raw_bytes) AS raw_bytes, min(a.compressed_bytes) AS compressed_bytes
            FROM etl.streams s
            LEFT JOIN etl.windows w USING (stream_id)
            CROSS JOIN LATERAL (
                SELECT coalesce(sum(b.raw_bytes), 0) AS raw_bytes, coalesce(sum(b.compressed_bytes), 0) AS compressed_bytes
                FROM (SELECT DISTINCT p.body_sha256 FROM raw.pages p JOIN etl.windows x USING (window_id)
                      WHERE x.stream_id = s.stream_id) d
                JOIN raw.bodies b USING (body_sha256)) a
            GROUP BY s.stream_id ORDER BY s.endpoint, s.bucket_width, s.stream_id
            """)
        let lastRun = try connection.query("""
            SELECT command, outcome, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') FROM etl.runs ORDER BY run_id DESC LIMIT 1
            """)
        if json {
            var streams: [[String: Any]] = []
            for row in 0..<result.count {
                let raw = result.int64(row, "raw_bytes") ?? 0, compressed = result.int64(row, "compressed_bytes") ?? 0
                streams.append([
                    "stream_id": result.int(row, "stream_id")!, "endpoint": result[row, "endpoint"]!,
                    "bucket_width": result[row, "bucket_width"]!, "group_by": result[row, "group_by"]!, "filters": result[row, "filters"]!,
                    "windows_done": result.int(row, "done")!, "windows_failed": result.int(row, "failed")!,
                    "windows_pending": result.int(row, "pending")!, "windows_interrupted": result.int(row, "interrupted") ?? 0, "high_water_mark": result[row, "high_water_mark"] as Any? ?? NSNull(),
                    "last_error": result[row, "last_error"] as Any? ?? NSNull(),
                    "last_failed_window": result[row, "last_failed_window"] as Any? ?? NSNull(), "last_loaded": result[row, "last_loaded"] as Any? ?? NSNull(),
                    "archive_raw_bytes": raw, "archive_compressed_bytes": compressed,
                    "archive_ratio": compressed > 0 ? Double(raw) / Double(compressed) : 0,
                ])
            }
            var document: [String: Any] = ["streams": streams]
            if lastRun.count == 1 {
                document["last_run"] = ["command": lastRun.rows[0][0]!, "outcome": lastRun.rows[0][1] ?? "", "started_at": lastRun.rows[0][2]!]
            }
            let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
            Console.out(String(decoding: data, as: UTF8.self))
            return
        }
        var lines = [["endpoint", "width", "done", "failed", "pending", "interrupted", "high-water mark", "archive", "last error"]]
        for row in 0..<result.count {
            let raw = result.int64(row, "raw_bytes") ?? 0, compressed = result.int64(row, "compressed_bytes") ?? 0
            let archive = compressed > 0 ? "\(compressed / 1024) KiB (\(String(format: "%.1f", Double(raw) / Double(compressed)))x)" : "-"
            lines.append([result[row, "endpoint"]!, result[row, "bucket_width"]!, result[row, "done"]!, result[row, "failed"]!,
                          result[row, "pending"]!, result[row, "interrupted"] ?? "0", result[row, "high_water_mark"] ?? "-", archive,
                          String((result[row, "last_error"] ?? "").prefix(60))])
        }
        let widths = (0..<lines[0].count).map { c in lines.map { $0[c].count }.max() ?? 0 }
        for line in lines {
            Console.out(line.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  "))
        }
        // The table cuts errors short; each stream's last one in full, with its window.
        for row in 0..<result.count {
            guard let error = result[row, "last_error"], let window = result[row, "last_failed_window"] else { continue }
            Console.out("failed \(result[row, "endpoint"] ?? "?") \(result[row, "bucket_width"] ?? "?") window \(window): \(error)")
        }
        if lastRun.count == 1 {
            Console.out("last run: \(lastRun.rows[0][0]!) \(lastRun.rows[0][1] ?? "") at \(lastRun.rows[0][2]!)")
        }
    }
}
