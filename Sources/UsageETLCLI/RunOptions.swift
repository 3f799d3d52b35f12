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

    @Flag(help: "Only warnings, errors and the final summary line (no progress line, no summary table).") var quiet = false

    /// Bootstraps logging; call first in `run()`. Without a progress line (`replay`), a terminal
    /// shows the per-window info lines too.
    func start(progressLine: Bool = true) {
        Logging.bootstrap(logFormat, quiet: quiet, progressLine: progressLine)
    }

    /// A progress display when stderr is a terminal and logs are text; nil under cron, for log
    /// shippers and with `--quiet`.
    func progressDisplay(_ command: String) -> ProgressDisplay? {
        guard logFormat == .text, !quiet, let terminal = Terminal.shared else { return nil }
        return ProgressDisplay(command: command, terminal: terminal)
    }

    /// Records the run's end: `etl.runs`, the metrics file, the summary table (unless `--quiet`),
    /// the summary line, and the exit code. `rerun` is the command that re-runs failed windows.
    func finish(_ command: String, runID: Int64, started: Date, summary: RunSummary, connection: PostgresConnection,
                rerun: String = "usage-etl rerun --failed") throws {
        RunReporting.finish(runID, summary: summary, connection: connection)
        RunReporting.noticeUnknownFields(summary)
        if let metricsFile {
            do {
                try MetricsFile(command: command, started: started, summary: summary, connection: connection).write(to: metricsFile)
            } catch {
                Logging.logger.error("cannot write --metrics-file \(metricsFile): \(error)")
            }
        }
        if !quiet && logFormat == .text { // JSON logs are for machines: the summary line, no table
            for line in SummaryTable.lines(summary, elapsed: Date().timeIntervalSince(started)) { Console.out(line) }
            if summary.windowsFailed > 0 {
                Console.out("re-run the failed windows: \(SummaryTable.rerunCommand(rerun, summary: summary))")
            }
        }
        try RunReporting.conclude(command, summary: summary, rerun: rerun)
    }
}
