import Foundation
import Logging
import Postgres
import Synchronization
import UsageAPI
import Warehouse

/// Rebuilds the facts of loaded windows from the raw archive alone, with no network: each window's
/// archived pages are decoded and replace its slice, one transaction per window, exactly as the
/// original load did. A window whose archive is damaged fails alone and keeps its facts.
public struct Replayer {
    public let connection: PostgresConnection
    /// Where new dimension values are registered outside the window transactions (see `FactLoader`).
    public let dimensions: PostgresConnection?
    public let logger: Logger

    public init(connection: PostgresConnection, dimensions: PostgresConnection? = nil, logger: Logger) {
        self.connection = connection
        self.dimensions = dimensions
        self.logger = logger
    }

    /// Replays every loaded window overlapping `range`, optionally only of `endpoints` and of
    /// `organizations` (nil: all), on this connection; with `parallelism` above 1, on that many
    /// worker threads, each connecting to `databaseURL`.
    public func replay(range: TimeRange, endpoints: [String], organizations: [String]? = nil, parallelism: Int = 1,
                       databaseURL: String? = nil) throws -> RunSummary {
        let store = WindowStore(connection: connection)
        var specs: [Int: StreamSpec] = [:]
        var jobs: [Runner.Job] = []
        for (window, streamID) in try store.doneWindows(from: range.start, to: range.end, endpoints: endpoints, organizations: organizations) {
            let spec = try specs[streamID] ?? store.spec(streamID: streamID)
            specs[streamID] = spec
            jobs.append(Runner.Job(spec: spec, streamID: streamID, window: window))
        }
        guard parallelism > 1, let databaseURL, jobs.count > 1 else {
            let replayer = try Replayer(connection: connection, dimensions: dimensions ?? databaseURL.map { try PostgresConnection($0) },
                                        logger: logger)
            var summary = RunSummary()
            for job in jobs {
                if StopSignal.isRequested { summary.interrupted = true; break }
                summary.add(replayer.replayRecorded(job))
            }
            return summary
        }
        let queue = Mutex<[Runner.Job]>(Self.spreadOut(jobs, over: min(parallelism, jobs.count)).reversed())
        let logger = self.logger
        return ConnectedWorkers.run(count: min(parallelism, jobs.count), databaseURL: databaseURL, abandon: { queue.withLock { q in let n = q.count; q.removeAll(); return n } }) { connection, dimensions, summary in
            let replayer = Replayer(connection: connection, dimensions: dimensions, logger: logger)
            while let job = queue.withLock({ $0.popLast() }) {
                if StopSignal.isRequested { summary.interrupted = true; return }
                summary.add(replayer.replayRecorded(job))
            }
        }
    }

    /// The jobs (in time order) cut into `runs` consecutive runs, then dealt one from each run in
    /// turn: workers taking them in this order load windows far apart in time, so each appends
    /// at the right edge of its own month partition's index instead of all inserting into one.
    static func spreadOut<Job>(_ jobs: [Job], over runs: Int) -> [Job] {
        guard runs > 1 else { return jobs }
        let length = (jobs.count + runs - 1) / runs
        return (0..<length).flatMap { step in
            (0..<runs).compactMap { run in run * length + step < jobs.count ? jobs[run * length + step] : nil }
        }
    }

    /// `replay(job)` with its result also counted under its endpoint.
    private func replayRecorded(_ job: Runner.Job) -> RunSummary {
        let began = Date().timeIntervalSince1970
        var summary = replay(job)
        summary.record(summary, endpoint: job.spec.endpoint.name, from: began, to: Date().timeIntervalSince1970)
        return summary
    }

    /// Replays one window, unless a running load holds it.
    private func replay(_ job: Runner.Job) -> RunSummary {
        let (spec, window) = (job.spec, job.window)
        let store = WindowStore(connection: connection)
        let loader = WindowLoader(connection: connection, dimensions: dimensions, logger: logger)
        var summary = RunSummary()
        let label = "\(spec.endpoint.name) \(spec.width.rawValue) \(UTCTime.format(window.range.start))..\(UTCTime.format(window.range.end))"
        do {
            guard try store.tryClaim(window.id) else {
                logger.info("\(label): held by a running load, skipped")
                summary.windowsSkipped += 1
                return summary
            }
            defer { try? store.release(window.id) }
            let loaded = try loader.load(window, spec: spec, streamID: job.streamID, provisional: nil, verify: true)
            let rows = loaded.rows
            summary.add(unknown: loaded.unknownFields, endpoint: spec.endpoint.name)
            summary.windowsDone += 1
            summary.pages += window.pagesFetched
            summary.rows += rows
            logger.info("\(label): replayed \(rows) rows from \(window.pagesFetched) archived pages")
        } catch {
            summary.windowsFailed += 1
            summary.errors.append("\(label): \(error)")
            logger.error("\(label): replay failed, facts left as they were: \(error)")
        }
        return summary
    }
}
