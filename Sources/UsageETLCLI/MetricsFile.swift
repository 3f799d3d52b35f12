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
        // Fields the API sends that this release does not know: the day the API changes, this is non-empty.
        let unknown = try UnknownFieldStatus.all(on: connection)
        lines.append("# HELP usage_etl_unknown_field_results Results of the loaded windows carrying a field this release does not know (kept in the archive, not in a column).")
        lines.append("# TYPE usage_etl_unknown_field_results gauge")
        for field in unknown {
            lines.append("usage_etl_unknown_field_results{endpoint=\"\(Self.label(field.endpoint))\",bucket_width=\"\(Self.label(field.bucketWidth))\",field=\"\(Self.label(field.field))\"} \(field.results)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A label value as Prometheus' text format writes it: backslash, quote and newline escaped.
    static func label(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    func write(to path: String) throws {
        try OutputFile.write(try render(), to: path)
    }
}
