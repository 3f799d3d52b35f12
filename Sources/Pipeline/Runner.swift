import Bodies
import APIClient
import Foundation
import Logging
import Postgres
import Synchronization
import UsageAPI
import Warehouse

/// Runs extract and load for a set of windows: claims each window, fetches its pages with
/// checkpoints, then replaces its slice of the warehouse in one transaction.
public final class Runner: Sendable {
    /// One window to process and the stream it belongs to.
    public struct Job: Sendable {
        public var spec: StreamSpec
        public var streamID: Int
        public var window: WindowRecord

        public init(spec: StreamSpec, streamID: Int, window: WindowRecord) {
            self.spec = spec
            self.streamID = streamID
            self.window = window
        }
    }

    public let databaseURL: String
    public let parallelism: Int
    public let logger: Logger
    /// Requests in flight and waits of this runner's clients, for the progress line.
    public let activity = RequestActivity()
    /// Who fetches each job's pages: one key for every job, or each organization's own.
    private let access: Access
    private let clock: @Sendable () -> Int64
    private let onProgress: (@Sendable (RunProgress) -> Void)?

    private enum Access: Sendable {
        /// One admin key; every job is fetched with it (its organization is the jobs' own).
        case single(OrganizationAccess)
        /// Several organizations, by id; a job is fetched with its organization's key and rate cap.
        case byOrganization([String: OrganizationAccess])
    }

    /// A run with one admin key. `onProgress` is called after every page and window with the run's totals so far.
    public convenience init(databaseURL: String, api: APIConfiguration, parallelism: Int = 2, logger: Logger,
                clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
                onProgress: (@Sendable (RunProgress) -> Void)? = nil) {
        self.init(databaseURL: databaseURL, access: .single(OrganizationAccess(id: nil, name: nil, api: api)), parallelism: parallelism,
                  logger: logger, clock: clock, onProgress: onProgress)
    }

    /// A run over several organizations, each fetched with its own key under its own rate cap. A job
    /// of an organization not among them fails without a request.
    public convenience init(databaseURL: String, organizations: [OrganizationAccess], parallelism: Int = 2, logger: Logger,
                clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
                onProgress: (@Sendable (RunProgress) -> Void)? = nil) {
        let byID = Dictionary(organizations.compactMap { access in access.id.map { ($0, access) } }) { first, _ in first }
        self.init(databaseURL: databaseURL, access: .byOrganization(byID), parallelism: parallelism, logger: logger,
                  clock: clock, onProgress: onProgress)
    }

    private init(databaseURL: String, access: Access, parallelism: Int, logger: Logger,
                 clock: @escaping @Sendable () -> Int64, onProgress: (@Sendable (RunProgress) -> Void)?) {
        self.databaseURL = databaseURL
        self.access = access
        self.parallelism = max(1, parallelism)
        self.logger = logger
        self.clock = clock
        self.onProgress = onProgress
    }

    /// The key, rate cap and name a job is fetched with; nil when the run has none for its organization.
    func access(for job: Job) -> OrganizationAccess? {
        switch access {
        case .single(let one): one
        case .byOrganization(let byID): byID[job.spec.organization]
        }
    }

    public var now: Int64 { clock() }

    /// Plans `range` for each spec and returns the windows that need work. With `unsettled` (and no
    /// `refetch`), also every window of the stream the API still serves that is not done (a killed
    /// or stopped run's, a failed one) or still provisional, so a scheduled run leaves no hole behind it.
    public func plan(_ specs: [StreamSpec], range: TimeRange, refetch: Bool, unsettled: Bool = false,
                     connection: PostgresConnection) throws -> [Job] {
        let store = WindowStore(connection: connection)
        let now = self.now // one instant for the plan and the served limit
        var jobs: [Job] = []
        for spec in specs {
            let plan = WindowPlanner().plan(endpoint: spec.endpoint, width: spec.width, since: range.start, until: range.end, now: now)
            if let notice = plan.widenedNotice { logger.notice("\(spec.endpoint.name): \(notice)") }
            let streamID = try store.streamID(for: spec)
            try store.plan(streamID: streamID, windows: plan.windows)
            // The plan starts no earlier than the API serves, so every window needing work since then
            // covers the range's own.
            let everywhere = unsettled && !refetch
            let planned = try store.windowsNeedingWork(streamID: streamID,
                                                       from: everywhere ? WindowPlanner.firstServed(width: spec.width, now: now) : plan.aligned.start,
                                                       to: everywhere ? nil : plan.aligned.end, refetch: refetch)
            let earlier = planned.filter { $0.range.start < plan.aligned.start || $0.range.end > plan.aligned.end }.count
            if everywhere && earlier > 0 {
                logger.notice("\(spec.endpoint.name) \(spec.width.rawValue): \(earlier) windows outside the range not done or provisional, loaded too")
            }
            for window in planned {
                jobs.append(Job(spec: spec, streamID: streamID, window: window))
            }
        }
        return jobs
    }

    /// Processes jobs on `parallelism` worker threads, each with its own connections and HTTP clients.
    /// An organization whose key is refused stops: its jobs not yet started fail without a request,
    /// while every other organization's go on.
    public func run(_ jobs: [Job], refetch: Bool) -> RunSummary {
        let queue = Mutex<[Job]>(jobs.reversed())
        let held = Mutex<[Job]>([])
        let refused = Mutex<[String: String]>([:]) // organization id (or "" for the one key) -> why it stopped
        let progress = Mutex(RunProgress(windowsTotal: jobs.count))
        let report: @Sendable (_ pages: Int, _ finished: RunSummary?) -> Void = { [onProgress] pages, finished in
            guard let onProgress else { return }
            let snapshot = progress.withLock { p -> RunProgress in
                p.pages += pages
                if let finished {
                    p.windowsDone += finished.windowsDone
                    p.windowsFailed += finished.windowsFailed
                    p.windowsSkipped += finished.windowsSkipped
                    p.rows += finished.rows
                }
                return p
            }
            onProgress(snapshot)
        }
        let workers = min(parallelism, max(1, jobs.count))
        var total = ConnectedWorkers.run(count: workers, databaseURL: databaseURL, abandon: { queue.withLock { q in let n = q.count; q.removeAll(); return n } }) { connection, dimensions, summary in
            var clients: [ObjectIdentifier: UsageAPIClient] = [:] // one a key: each holds its own connection to the API
            // First every window nobody holds; then, waiting, the ones another session held (a
            // concurrent run, or the connection of a killed one that PostgreSQL has not closed
            // yet), so a run that succeeds leaves each of its windows done.
            while true {
                if StopSignal.isRequested { summary.interrupted = true; return }
                let next = queue.withLock { q in self.pick(from: &q).map { ($0, false) } } ?? held.withLock { h in h.popLast().map { ($0, true) } }
                guard let (job, waiting) = next else { return }
                guard let access = self.access(for: job) else {
                    summary.windowsFailed += 1
                    summary.errors.append("\(job.spec.organization): no admin key for this organization in the run (\(job.spec.endpoint.name) window \(UTCTime.format(job.window.range.start)))")
                    continue
                }
                let organization = access.id ?? ""
                if refused.withLock({ $0[organization] }) != nil {
                    if case .single = self.access { return } // the run's only key: it stops
                    summary.windowsFailed += 1 // left pending for the next run; no request with a refused key
                    summary.windowsFailedByOrganization[organization, default: 0] += 1
                    continue
                }
                let began = Date().timeIntervalSince1970
                let client = clients[ObjectIdentifier(access)]
                    ?? UsageAPIClient(configuration: access.api, limiter: access.limiter, shouldStop: { StopSignal.isRequested }, activity: activity)
                clients[ObjectIdentifier(access)] = client
                guard let result = process(job, refetch: refetch, connection: connection, dimensions: dimensions, client: client, access: access,
                                           waitForClaim: waiting, onPage: { report(1, nil) }) else {
                    held.withLock { $0.insert(job, at: 0) }
                    continue
                }
                report(0, result)
                summary.add(result)
                summary.record(result, endpoint: job.spec.endpoint.name, from: began, to: Date().timeIntervalSince1970)
                if case .byOrganization = self.access {
                    if result.windowsFailed > 0 { summary.windowsFailedByOrganization[organization, default: 0] += result.windowsFailed }
                    if result.windowsDone > 0 { summary.windowsDoneByOrganization[organization, default: 0] += result.windowsDone }
                }
                if let reason = result.unauthorized {
                    refused.withLock { $0[organization] = $0[organization] ?? reason }
                }
            }
        }
        if case .byOrganization = access {
            // Several organizations: a refused key fails its organization, not the run's key check.
            for (organization, reason) in refused.withLock({ $0 }) { total.failedOrganizations[organization] = reason }
            total.unauthorized = nil
        }
        return total
    }

    /// The next job of the queue (its end is next): with several organizations, the first whose
    /// organization's rate cap lets a request go now, so a slow cap never holds a worker while
    /// another organization's windows wait; when every one would wait, the next in order.
    func pick(from queue: inout [Job]) -> Job? {
        guard case .byOrganization = access, queue.count > 1 else { return queue.popLast() }
        var waited: Set<String> = []
        for index in queue.indices.reversed() {
            let organization = queue[index].spec.organization
            guard !waited.contains(organization) else { continue }
            if let access = access(for: queue[index]), access.limiter.wait > 0.05 {
                waited.insert(organization)
                continue
            }
            return queue.remove(at: index)
        }
        return queue.popLast()
    }

    /// How long a run waits for a window another session holds before leaving it to that session.
    static let claimWait = 900

    /// Claims and processes one window. Returns nil when another session holds the window and
    /// `waitForClaim` is false; when waiting, a window still held after `claimWait` is skipped.
    func process(_ job: Job, refetch: Bool, connection: PostgresConnection, dimensions: PostgresConnection? = nil,
                 client: UsageAPIClient, access: OrganizationAccess? = nil, waitForClaim: Bool = false, onPage: () -> Void = {}) -> RunSummary? {
        var summary = RunSummary()
        let store = WindowStore(connection: connection)
        let label = (access?.name.map { "\($0): " } ?? "") + "\(job.spec.endpoint.name) \(job.spec.width.rawValue) \(UTCTime.format(job.window.range.start))..\(UTCTime.format(job.window.range.end))"
        do {
            if !waitForClaim {
                guard try store.tryClaim(job.window.id) else { return nil }
            } else {
                logger.info("\(label): held by another session; waiting for it")
                guard try store.claim(job.window.id, waitingUpTo: Self.claimWait) else {
                    logger.warning("\(label): still held by another session after \(Self.claimWait) s, skipped")
                    summary.windowsSkipped += 1
                    return summary
                }
            }
            defer { try? store.release(job.window.id) }
            guard var window = try store.window(id: job.window.id) else { return summary }
            if window.range.start < now - WindowPlanner.servedSeconds {
                throw BeyondRetention(window: window.range)
            }
            if window.state == .done && !refetch && (job.window.state != .done || window.generation != job.window.generation) {
                // Loaded by another worker or process since this run planned it (provisional or
                // not: fetching it again moments later would learn nothing new).
                summary.windowsSkipped += 1
                return summary
            }
            let wasDone = window.state == .done
            window = try store.markRunning(window.id)
            if wasDone {
                window = try store.restart(window.id) // a refetch of a loaded window starts a new generation
            }
            // The bodies this run fetched, kept for the load (no second read of them from the archive).
            var fetched = FetchedBodies()
            try fetchRemainingPages(&window, spec: job.spec, store: store, connection: connection, client: client,
                                    summary: &summary, bodies: &fetched, onPage: onPage)
            let loaded: WindowLoader.Loaded
            do {
                loaded = try load(window, spec: job.spec, streamID: job.streamID, connection: connection, dimensions: dimensions,
                                  bodies: fetched.all(of: window))
            } catch let error as DecodeError {
                // A fetch checks a page's syntax and bucket times; its results are decoded here. A page
                // they fail in is treated like a damaged body: the window is fetched again, once.
                logger.warning("\(label): \(error); fetching the window again")
                window = try store.restart(window.id)
                fetched = FetchedBodies()
                try fetchRemainingPages(&window, spec: job.spec, store: store, connection: connection, client: client,
                                        summary: &summary, bodies: &fetched, onPage: onPage)
                do {
                    loaded = try load(window, spec: job.spec, streamID: job.streamID, connection: connection, dimensions: dimensions,
                                      bodies: fetched.all(of: window))
                } catch let again as DecodeError {
                    try store.restart(window.id) // so the next run fetches it again rather than reloading these pages
                    throw again
                }
            }
            summary.rows += loaded.rows
            summary.windowsDone += 1
            summary.add(unknown: loaded.unknownFields, endpoint: job.spec.endpoint.name)
            logger.info("\(label): loaded \(loaded.rows) rows from \(window.pagesFetched) pages")
        } catch is CancellationError {
            // A stop signal while waiting for the rate cap, a backoff or the next page: not a
            // failure of the window, which resumes from its checkpoint.
            summary.interrupted = true
            logger.info("\(label): stopped; resumes from its checkpoint")
            if connection.isHealthy { _ = try? store.markFailed(job.window.id, error: "interrupted by a stop signal; resumes from its checkpoint") }
        } catch {
            if let apiError = error as? APIError, case .unauthorized = apiError { summary.unauthorized = apiError.description }
            let message = "\(error)"
            summary.windowsFailed += 1
            summary.errors.append("\(label): \(message)")
            var metadata: Logger.Metadata = [
                "organization": "\(job.spec.organization)", "endpoint": "\(job.spec.endpoint.name)", "bucket_width": "\(job.spec.width.rawValue)",
                "window_start": "\(UTCTime.format(job.window.range.start))", "window_end": "\(UTCTime.format(job.window.range.end))",
            ]
            if let decode = error as? DecodeError {
                metadata["reason"] = "\(decode.reason)"
                if let offset = decode.offset { metadata["byte_offset"] = "\(offset)" }
            }
            logger.error("\(label): failed: \(message)", metadata: metadata)
            if connection.isHealthy { _ = try? store.markFailed(job.window.id, error: message) }
        }
        return summary
    }

    /// Fetches pages from the window's checkpoint until the last one, archiving each with its cursor.
    /// `PageLoop` judges each page; this does the I/O.
    func fetchRemainingPages(_ window: inout WindowRecord, spec: StreamSpec, store: WindowStore, connection: PostgresConnection,
                             client: UsageAPIClient, summary: inout RunSummary, bodies: inout FetchedBodies, onPage: () -> Void = {}) throws {
        var loop = PageLoop(window: window.range, step: spec.endpoint.isCosts ? 86_400 : spec.width.seconds, pagesFetched: window.pagesFetched)
        while case .fetch(let cursor) = try loop.next(pagesFetched: window.pagesFetched, nextPage: window.nextPage) {
            if StopSignal.isRequested { throw CancellationError() }
            let fetched: FetchedPage
            let fetchedAt = now
            do {
                fetched = try client.fetch(spec, window: window.range, cursor: cursor)
            } catch let error as APIError where error.isInvalidCursor && loop.cursorRefused(cursor) {
                logger.warning("\(spec.endpoint.name): page cursor refused (\(error)); restarting window from its start")
                window = try store.restart(window.id)
                continue
            }
            let next = try loop.accept(fetched.summary, index: window.pagesFetched, requested: cursor)
            let index = window.pagesFetched
            window = try store.recordPage(of: window, endpoint: spec.endpoint.name, requestQuery: fetched.requestQuery,
                                          status: fetched.status, body: fetched.body, nextPage: next, fetchedAt: fetchedAt)
            bodies.keep(fetched.body, page: index, generation: window.generation)
            summary.pages += 1
            summary.bytes += fetched.body.rawBytes
            summary.retries += fetched.retries
            onPage()
        }
    }

    /// Replaces the window's slice with its archived pages, marking it done, in one transaction.
    /// The window is provisional when its buckets had not settled when its pages were fetched.
    func load(_ window: WindowRecord, spec: StreamSpec, streamID: Int, connection: PostgresConnection,
              dimensions: PostgresConnection?, bodies: [CompressedBody]? = nil) throws -> WindowLoader.Loaded {
        let provisional = WindowPlanner.isProvisional(window.range, endpoint: spec.endpoint, width: spec.width, now: window.fetchedAt ?? now)
        return try WindowLoader(connection: connection, dimensions: dimensions, logger: logger)
            .load(window, spec: spec, streamID: streamID, provisional: provisional, verify: false, bodies: bodies)
    }

    /// The bodies a run archived for one window, by generation and page: when they are every page
    /// of the window's current generation, the load reads them instead of the archive (which
    /// would hold each body twice more in memory while it is read back: libpq's result and its copy).
    struct FetchedBodies {
        private var generation = -1
        private var pages: [Int: CompressedBody] = [:]

        mutating func keep(_ body: CompressedBody, page: Int, generation: Int) {
            if generation != self.generation { pages.removeAll(); self.generation = generation }
            pages[page] = body
        }

        /// Every page of `window`'s current generation, in order; nil when some came from an earlier run.
        func all(of window: WindowRecord) -> [CompressedBody]? {
            guard generation == window.generation, pages.count == window.pagesFetched else { return nil }
            return (0..<window.pagesFetched).compactMap { pages[$0] }
        }
    }

    /// A window that starts before the earliest time the API serves: no run can load it.
    public struct BeyondRetention: Error, CustomStringConvertible {
        public var window: TimeRange
        public var description: String {
            "the window starts \(UTCTime.format(window.start)), before the earliest time the API serves (one year back): it can no longer be loaded"
        }
    }
}
