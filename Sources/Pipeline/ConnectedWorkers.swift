import Foundation
import Postgres
import Synchronization

/// Worker threads that each hold their own PostgreSQL connections, for runs that process windows
/// in parallel (a connection serves one thread at a time): one for the worker's transactions and
/// one, in autocommit, where its loads register new dimension values (see `FactLoader`).
///
/// Each worker is a thread of its own, not a task on a shared pool: a worker spends most of its
/// time blocked in libcurl waiting for the API, so N workers must mean N requests in flight
/// whatever the number of cores (`DispatchQueue.concurrentPerform`, used before, stops at it).
enum ConnectedWorkers {
    /// Runs `work` on `count` threads, each given two fresh connections to `databaseURL` and its own
    /// summary, and returns the summaries added up once every thread has ended. A worker that cannot
    /// connect records the error and counts as failed the jobs `abandon` takes off the shared queue,
    /// so none is left unseen.
    static func run(count: Int, databaseURL: String, abandon: @Sendable () -> Int,
                    _ work: @Sendable (_ connection: PostgresConnection, _ dimensions: PostgresConnection, inout RunSummary) -> Void) -> RunSummary {
        // The threads end before this returns, so the closures never outlive the call.
        withoutActuallyEscaping(abandon) { abandon in
            withoutActuallyEscaping(work) { work in
                start(count: count, databaseURL: databaseURL, abandon: abandon, work)
            }
        }
    }

    private static func start(count: Int, databaseURL: String, abandon: @escaping @Sendable () -> Int,
                              _ work: @escaping @Sendable (PostgresConnection, PostgresConnection, inout RunSummary) -> Void) -> RunSummary {
        let total = Totals()
        let finished = DispatchGroup()
        for index in 0..<max(1, count) {
            finished.enter()
            let thread = Thread {
                defer { finished.leave() }
                var summary = RunSummary()
                defer { total.add(summary) }
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
            thread.name = "usage-etl worker \(index + 1)"
            thread.stackSize = 8 << 20 // as the main thread's (secondary threads get 512 KiB by default)
            thread.start()
        }
        finished.wait()
        return total.sum
    }

    /// The workers' summaries added up, shared by the threads.
    private final class Totals: Sendable {
        private let summary = Mutex(RunSummary())
        func add(_ other: RunSummary) { summary.withLock { $0.add(other) } }
        var sum: RunSummary { summary.withLock { $0 } }
    }
}
