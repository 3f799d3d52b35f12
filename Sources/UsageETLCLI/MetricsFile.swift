import Foundation
import Pipeline
import Postgres
import Warehouse

/// The run's figures in Prometheus text format, written atomically (temporary file, then rename)
/// so node_exporter's textfile collector never reads half a file.
struct MetricsFile {
    let command: String
    let started: Date
    let summary: RunSummary
    let connection: PostgresConnection

    func render() throws -> String {
        let labels = "command=\"\(command)\""
        let now = Date()
        // The last success survives failed runs: it comes from etl.runs, not from this run.
        let lastSuccess = String(try RunLog(connection: connection).lastSuccess(of: command))
        var lines: [String] = []
        func metric(_ name: String, _ help: String, _ type: String, _ samples: [(String, String)]) {
            lines.append("# HELP usage_etl_\(name) \(help)")
            lines.append("# TYPE usage_etl_\(name) \(type)")
            for (extra, value) in samples { lines.append("usage_etl_\(name){\(labels)\(extra)} \(value)") }
        }
        metric("rows_loaded", "Fact rows written by the last run.", "gauge", [("", String(summary.rows))])
        metric("pages_fetched", "API pages fetched by the last run.", "gauge", [("", String(summary.pages))])
        metric("bytes_fetched", "Bytes of API responses fetched by the last run.", "gauge", [("", String(summary.bytes))])
        metric("retries", "Requests retried by the last run.", "gauge", [("", String(summary.retries))])
        metric("windows", "Windows of the last run by outcome.", "gauge", [
            (",outcome=\"done\"", String(summary.windowsDone)), (",outcome=\"failed\"", String(summary.windowsFailed)),
            (",outcome=\"skipped\"", String(summary.windowsSkipped)),
        ])
        metric("failures", "1 when the last run did not load everything, else 0.", "gauge",
               [("", summary.outcome == "succeeded" ? "0" : "1")])
        metric("run_duration_seconds", "Wall time of the last run.", "gauge",
               [("", String(format: "%.3f", now.timeIntervalSince(started)))])
        metric("last_run_timestamp_seconds", "When the last run ended (Unix time).", "gauge",
               [("", String(Int64(now.timeIntervalSince1970)))])
        metric("last_success_timestamp_seconds", "When a run of this command last loaded everything (Unix time, 0: never).", "gauge",
               [("", lastSuccess)])
        return lines.joined(separator: "\n") + "\n"
    }

    func write(to path: String) throws {
        let text = try render()
        let temporary = path + ".tmp.\(getpid())"
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CommandFailure.failed("cannot rename \(temporary) to \(path): \(reason)")
        }
    }
}
