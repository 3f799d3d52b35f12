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
        let lent = Lent((work: work, abandon: abandon))
        for index in 0..<max(1, count) {
            finished.enter()
            let thread = Thread {
                total.add(Self.work(databaseURL: databaseURL, lent))
                finished.leave()
            }
            thread.name = "usage-etl worker \(index + 1)"
            thread.stackSize = 8 << 20 // as the main thread's (secondary threads get 512 KiB by default)
            thread.start()
        }
        finished.wait()
        // A Thread object may outlive its run (and keeps its block): only `lent` held the closures,
        // and it lets go of them here, before `withoutActuallyEscaping` checks that nothing kept them.
        lent.revoke()
        return total.sum
    }

    /// One worker: its connections, then `work` until the queue is empty. The closures are borrowed
    /// from `lent` for this call only, so they are released when it returns.
    private static func work(databaseURL: String, _ lent: Lent<Closures>) -> RunSummary {
        var summary = RunSummary()
        guard let closures = lent.value else { return summary }
        let connection: PostgresConnection, dimensions: PostgresConnection
        do {
            connection = try PostgresConnection(databaseURL)
            dimensions = try PostgresConnection(databaseURL)
        } catch {
            summary.errors.append("database: \(error)")
            summary.windowsFailed += closures.abandon()
            return summary
        }
        closures.work(connection, dimensions, &summary)
        return summary
    }

    private typealias Closures = (work: @Sendable (PostgresConnection, PostgresConnection, inout RunSummary) -> Void, abandon: @Sendable () -> Int)

    /// A value the worker threads borrow while they run, and that the caller takes back once they
    /// have ended.
    private final class Lent<Value: Sendable>: Sendable {
        private let slot: Mutex<Value?>
        init(_ value: Value) { slot = Mutex(value) }
        var value: Value? { slot.withLock { $0 } }
        func revoke() { slot.withLock { $0 = nil } }
    }

    /// The workers' summaries added up, shared by the threads.
    private final class Totals: Sendable {
        private let summary = Mutex(RunSummary())
        func add(_ other: RunSummary) { summary.withLock { $0.add(other) } }
        var sum: RunSummary { summary.withLock { $0 } }
    }
}
