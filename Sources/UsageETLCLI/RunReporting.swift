import Foundation
import Logging
import Pipeline
import Postgres
import Warehouse

/// Records runs in `etl.runs` and turns a summary into the documented exit code.
enum RunReporting {
    static func begin(_ command: String, connection: PostgresConnection) throws -> Int64 {
        try closeAbandonedRuns(connection: connection)
        let result = try connection.query("""
            INSERT INTO etl.runs (command, outcome, pid, host) VALUES ($1, 'running', $2, $3) RETURNING run_id
            """, [.text(command), .int(Int(ProcessInfo.processInfo.processIdentifier)), .text(ProcessInfo.processInfo.hostName)])
        return Int64(result.scalar!)!
    }

    /// Runs recorded as running by processes of this host that no longer exist (killed, or the
    /// machine restarted) are marked `interrupted`, so `status` and metrics do not show them
    /// running forever. Their windows need nothing: claims end with their connections.
    static func closeAbandonedRuns(connection: PostgresConnection) throws {
        let running = try connection.query("SELECT run_id, pid FROM etl.runs WHERE outcome = 'running' AND host = $1",
                                           [.text(ProcessInfo.processInfo.hostName)])
        let gone = (0..<running.count).compactMap { row -> Int64? in
            guard let pid = running.int(row, "pid").map(pid_t.init) else { return nil }
            return kill(pid, 0) == -1 && errno == ESRCH ? running.int64(row, "run_id") : nil
        }
        guard !gone.isEmpty else { return }
        try connection.query("""
            UPDATE etl.runs SET outcome = 'interrupted', finished_at = coalesce(finished_at, now()),
                   errors = errors || ARRAY['the process ended without recording its outcome (killed?)']
            WHERE run_id = ANY($1::bigint[]) AND outcome = 'running'
            """, [PostgresArray.integers(gone)])
        Logging.logger.notice("marked \(gone.count) runs of processes that no longer exist as interrupted")
    }

    static func finish(_ runID: Int64, summary: RunSummary, connection: PostgresConnection) {
        _ = try? connection.query("""
            UPDATE etl.runs SET finished_at = now(), outcome = $2, windows_done = $3, windows_failed = $4, pages = $5,
                   rows_loaded = $6, bytes_fetched = $7, errors = $8::text[]
            WHERE run_id = $1
            """, [.int64(runID), .text(summary.outcome), .int(summary.windowsDone), .int(summary.windowsFailed),
                  .int(summary.pages), .int(summary.rows), .int(summary.bytes), PostgresArray.text(Array((summary.errors + (summary.directoryError.map { ["names not refreshed: \($0)"] } ?? [])).prefix(50)))])
    }

    /// Prints the summary and exits 0 (all loaded), 1 (some failed or interrupted) or 2 (key refused).
    static func conclude(_ command: String, summary: RunSummary) throws {
        Console.out("\(command): \(summary.windowsDone) windows loaded, \(summary.windowsFailed) failed, \(summary.windowsSkipped) skipped; \(summary.pages) pages, \(summary.rows) rows, \(summary.bytes) bytes, \(summary.retries) retries")
        if let unauthorized = summary.unauthorized { throw CommandFailure.usage(unauthorized) }
        if summary.interrupted { throw CommandFailure.failed("\(command): interrupted; run it again to resume from the checkpoints") }
        if summary.windowsFailed > 0 {
            throw CommandFailure.failed("\(command): \(summary.windowsFailed) windows failed (see `usage-etl status`; `usage-etl rerun --failed` retries them)")
        }
        if let directoryError = summary.directoryError {
            throw CommandFailure.failed("\(command): every window loaded, but the names of projects, users and keys were not refreshed (`usage-etl dimensions` retries): \(directoryError)")
        }
    }
}
