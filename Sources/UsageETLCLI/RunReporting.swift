import Foundation
import Logging
import Pipeline
import Postgres
import UsageAPI
import Warehouse

/// Records runs in `etl.runs` and turns a summary into the documented exit code.
enum RunReporting {
    static func begin(_ command: String, connection: PostgresConnection) throws -> Int64 {
        try closeAbandonedRuns(connection: connection)
        return try RunLog(connection: connection).begin(command: command, pid: Int(ProcessInfo.processInfo.processIdentifier),
                                                        host: ProcessInfo.processInfo.hostName)
    }

    /// Runs recorded as running by processes of this host that no longer exist (killed, or the
    /// machine restarted) are marked `interrupted`, so `status` and metrics do not show them
    /// running forever. Their windows need nothing: claims end with their connections.
    static func closeAbandonedRuns(connection: PostgresConnection) throws {
        let log = RunLog(connection: connection)
        let gone = try log.running(onHost: ProcessInfo.processInfo.hostName).compactMap { run -> Int64? in
            guard let pid = pid_t(exactly: run.pid) else { return nil }
            return kill(pid, 0) == -1 && errno == ESRCH ? run.runID : nil
        }
        guard !gone.isEmpty else { return }
        try log.markInterrupted(gone)
        Logging.logger.notice("marked \(gone.count) runs of processes that no longer exist as interrupted")
    }

    static func finish(_ runID: Int64, summary: RunSummary, connection: PostgresConnection) {
        let errors = summary.failedOrganizations.sorted { $0.key < $1.key }.map { "organization \($0.key) not loaded: \($0.value)" }
            + summary.errors + (summary.directoryError.map { ["names not refreshed: \($0)"] } ?? [])
        _ = try? RunLog(connection: connection).finish(runID, RunLog.Totals(
            outcome: summary.outcome, windowsDone: summary.windowsDone, windowsFailed: summary.windowsFailed,
            pages: summary.pages, rows: summary.rows, bytes: summary.bytes, errors: errors))
    }

    /// Says once per run, at notice level, which result fields the API sent that this release does
    /// not know: they are kept in the archive, and a release that knows them fills their columns
    /// from it with `usage-etl replay`.
    static func noticeUnknownFields(_ summary: RunSummary) {
        for (endpoint, unknown) in summary.unknownFields.sorted(by: { $0.key < $1.key }) {
            for total in unknown.totals {
                Logging.logger.notice("\(endpoint): field \(total.field) in \(total.results) results since \(UTCTime.format(total.firstBucket)) is not known to this release; kept in the archive (see `usage-etl status`)",
                                      metadata: ["endpoint": "\(endpoint)", "field": "\(total.field)", "results": "\(total.results)"])
            }
        }
    }

    /// Prints the summary and exits 0 (all loaded), 1 (some failed or interrupted) or 2 (key refused).
    static func conclude(_ command: String, summary: RunSummary, rerun base: String = "usage-etl rerun --failed") throws {
        Console.out("\(command): \(summary.windowsDone) windows loaded, \(summary.windowsFailed) failed, \(summary.windowsSkipped) skipped; \(summary.pages) pages, \(summary.rows) rows, \(summary.bytes) bytes, \(summary.retries) retries")
        if let unauthorized = summary.unauthorized { throw CommandFailure.usage(unauthorized) }
        if summary.interrupted { throw CommandFailure.failed("\(command): interrupted; run it again to resume from the checkpoints") }
        // Several organizations: the organizations that could not be loaded and the windows that
        // failed, each named, in one message; the others' windows are committed.
        let several = !summary.failedOrganizations.isEmpty || !summary.windowsFailedByOrganization.isEmpty
        let rerun = base.hasPrefix("usage-etl rerun") ? (several && !base.contains("--organizations") ? "`usage-etl rerun --failed --organizations FILE` retries them" : "`\(base)` retries them")
            : "their archived pages are damaged: `\(base)` fetches them again"
        var problems: [String] = []
        if !summary.failedOrganizations.isEmpty {
            let named = summary.failedOrganizations.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
            problems.append("\(summary.failedOrganizations.count) organizations not loaded (the others' windows are committed): \(named)")
        }
        if summary.windowsFailed > 0 {
            let of = summary.windowsFailedByOrganization.isEmpty ? ""
                : " (" + summary.windowsFailedByOrganization.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + ")"
            let status = base.hasPrefix("usage-etl rerun") ? "see `usage-etl status`; " : ""
            problems.append("\(summary.windowsFailed) windows failed\(of) (\(status)\(rerun))")
        }
        if !problems.isEmpty { throw CommandFailure.failed("\(command): " + problems.joined(separator: "; ")) }
        if let directoryError = summary.directoryError {
            throw CommandFailure.failed("\(command): every window loaded, but the names of projects, users and keys were not refreshed (`usage-etl dimensions` retries): \(directoryError)")
        }
    }
}
