import ArgumentParser
import Foundation
import Pipeline
import Postgres

/// Options of the commands that load: how they report. `--log-format json` for log shippers,
/// `--metrics-file` for node_exporter's textfile collector.
struct RunOptions: ParsableArguments {
    @Option(help: "Log lines as text or json (one object a line).") var logFormat: Logging.Format = .text

    @Option(help: ArgumentHelp("Write Prometheus text-format metrics of the run to this file (node_exporter textfile collector).",
                               valueName: "path"))
    var metricsFile: String?

    /// Bootstraps logging; call first in `run()`.
    func start() {
        Logging.bootstrap(logFormat)
    }

    /// A progress display when stderr is a terminal and logs are text; nil under cron and for log shippers.
    func progressDisplay(_ command: String) -> ProgressDisplay? {
        guard logFormat == .text, isatty(STDERR_FILENO) == 1 else { return nil }
        return ProgressDisplay(command: command)
    }

    /// Records the run's end: `etl.runs`, the metrics file, the summary line, and the exit code.
    func finish(_ command: String, runID: Int64, started: Date, summary: RunSummary, connection: PostgresConnection) throws {
        RunReporting.finish(runID, summary: summary, connection: connection)
        RunReporting.noticeUnknownFields(summary)
        if let metricsFile {
            do {
                try MetricsFile(command: command, started: started, summary: summary, connection: connection).write(to: metricsFile)
            } catch {
                Logging.logger.error("cannot write --metrics-file \(metricsFile): \(error)")
            }
        }
        try RunReporting.conclude(command, summary: summary)
    }
}
