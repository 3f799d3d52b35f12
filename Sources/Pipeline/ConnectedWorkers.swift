import Foundation
import Postgres
import Synchronization

/// Worker threads that each hold their own PostgreSQL connections, for runs that process windows
/// in parallel (a connection serves one thread at a time): one for the worker's transactions and
/// one, in autocommit, where its loads register new dimension values (see `FactLoader`).
enum ConnectedWorkers {
    /// Runs `work` on `count` threads, each given two fresh connections to `databaseURL` and its own
    /// summary, and returns the summaries added up. A worker that cannot connect records the error
    /// and counts as failed the jobs `abandon` takes off the shared queue, so none is left unseen.
    static func run(count: Int, databaseURL: String, abandon: @Sendable () -> Int,
                    _ work: @Sendable (_ connection: PostgresConnection, _ dimensions: PostgresConnection, inout RunSummary) -> Void) -> RunSummary {
        let total = Mutex(RunSummary())
        DispatchQueue.concurrentPerform(iterations: count) { _ in
            var summary = RunSummary()
            defer { total.withLock { $0.add(summary) } }
            let connection: PostgresConnection, dimensions: PostgresConnection
            do {
                connection = try PostgresConnection(databaseURL)
                dimensions = try PostgresConnection(databaseURL)
            } catch {
                summary.errors.append("database: \(error)")
                summary.windowsFailed += abandon()
                return
            }
            work(connection, dimensions, &summary)
        }
        return total.withLock { $0 }
    }
}
