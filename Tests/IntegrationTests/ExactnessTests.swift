import APIClient
import Foundation
import Logging
import Pipeline
import Postgres
import Simulator
import Synchronization
import TestSupport
import Testing
import UsageAPI
import Warehouse

/// The ways the warehouse could disagree with the API without an error (issue 16), each checked
/// against the simulator's ground truth: streams that overlap, windows that overlap, runs that
/// overlap, the API's one-year limit, interrupted and provisional windows, short pages, currencies,
/// concurrent dimension inserts.
@Suite("Exact numbers under overlap, interruption and late data", .serialized)
struct ExactnessTests {
    static let now: Int64 = 1_767_225_600 + 12 * 3600 // 2026-01-01T12:00:00Z
    static let day: Int64 = 86_400
    static let midnight: Int64 = 1_767_225_600

    let simulator: APISimulator
    let databaseURL: String
    let connection: PostgresConnection
    let clock = TestClock(ExactnessTests.now)

    init() throws {
        let harness = try SimulatorHarness(database: "test_exactness", now: Self.now)
        (simulator, databaseURL, connection) = (harness.simulator, harness.databaseURL, harness.connection)
    }

    func runner(parallelism: Int = 2) -> Runner {
        var api = APIConfiguration(baseURL: simulator.baseURL!, adminKey: "sk-admin-simulator-key")
        api.requestsPerMinute = 60_000
        api.baseBackoff = 0.01
        api.maxAttempts = 4
        let clock = self.clock
        return Runner(databaseURL: databaseURL, api: api, parallelism: parallelism, logger: Logger(label: "test"),
                      clock: { clock.value.load(ordering: .relaxed) })
    }

    @discardableResult
    func load(_ specs: [StreamSpec], _ range: TimeRange, refetch: Bool = false, unsettled: Bool = false) throws -> RunSummary {
        let runner = runner()
        return runner.run(try runner.plan(specs, range: range, refetch: refetch, unsettled: unsettled, connection: connection), refetch: refetch)
    }

    static func finest(_ endpoint: Endpoint = EndpointCatalog.completions, _ width: BucketWidth = .day) -> StreamSpec {
        StreamSpec.finest(endpoint, width: width, organization: "org-test")
    }

    func truth(_ range: TimeRange, endpoint: Endpoint = EndpointCatalog.completions, metric: String = "input_tokens",
               width: BucketWidth = .day) -> String {
        let total = simulator.groundTruth.buckets(UsageQuery(endpoint: endpoint, startTime: range.start, endTime: range.end, width: width),
                                                  now: simulator.now)
            .flatMap(\.results).reduce(Int64(0)) { if case .count(let v) = $1.values[metric] { $0 + v } else { $0 } }
        return String(total)
    }

    func view(_ range: TimeRange, view: String = "completions_usage", metric: String = "input_tokens", width: String = "1d") throws -> String {
        try connection.query("""
            SELECT coalesce(sum(\(metric)), 0)::text FROM analytics.\(view)
            WHERE bucket_start >= to_timestamp($1) AND bucket_start < to_timestamp($2) AND bucket_width = $3
            """, [.int64(range.start), .int64(range.end), .text(width)]).scalar!
    }

    func range(_ fromDaysAgo: Int64, _ toDaysAgo: Int64) -> TimeRange {
        TimeRange(start: Self.midnight - fromDaysAgo * Self.day, end: Self.midnight - toDaysAgo * Self.day)
    }

    // 1. A second, finer stream over part of the history must not hide the rest of it.
    @Test func viewsShowEveryBucketOnceWhenAFinerStreamCoversPartOfTheHistory() throws {
        let coarse = StreamSpec(organization: "org-test", endpoint: EndpointCatalog.completions, width: .day, groupBy: [.projectID, .model])
        let history = range(60, 1)
        #expect(try load([coarse], history).windowsFailed == 0)
        #expect(try view(history) == truth(history))
        let recent = range(20, 10)
        #expect(try load([Self.finest()], recent).windowsFailed == 0)
        #expect(try view(history) == truth(history), "every bucket once, from one stream")
        #expect(try view(recent) == truth(recent))
        // The finer stream is the one shown where it covers: user ids appear there and only there.
        let users = try connection.query("""
            SELECT count(*) FILTER (WHERE bucket_start >= to_timestamp($1) AND bucket_start < to_timestamp($2))::text,
                   count(*) FILTER (WHERE bucket_start < to_timestamp($1) OR bucket_start >= to_timestamp($2))::text
            FROM analytics.completions_usage WHERE user_id IS NOT NULL
            """, [.int64(recent.start), .int64(recent.end)]).rows[0]
        #expect(users[0] != "0" && users[1] == "0")
    }

    // A filtered stream never fills the gaps of an unfiltered one: partial usage is no total.
    @Test func aFilteredStreamDoesNotFillTheGapsOfAnUnfilteredOne() throws {
        let history = range(30, 1)
        let project = simulator.groundTruth.buckets(UsageQuery(endpoint: EndpointCatalog.completions, startTime: history.start,
                                                               endTime: history.end, groupBy: [.projectID]), now: simulator.now)
            .flatMap(\.results).compactMap { $0.dimensions[.projectID] ?? nil }.first ?? "proj_none"
        let filtered = StreamSpec(organization: "org-test", endpoint: EndpointCatalog.completions, width: .day,
                                  groupBy: EndpointCatalog.completions.groupBy, filters: ["project_ids": [project]])
        #expect(try load([filtered], history).windowsFailed == 0)
        #expect(try view(history) != "0", "alone, the filtered stream is shown")
        let recent = range(20, 10)
        #expect(try load([Self.finest()], recent).windowsFailed == 0)
        #expect(try view(history) == truth(recent), "only the unfiltered stream's buckets")
    }

    // Two fetches in the same second: the one archived last still wins.
    @Test func theLaterOfTwoFetchesInOneSecondWins() throws {
        simulator.configure { $0.faults.rate = 1; $0.faults.kinds = [.serverError] }
        #expect(try load([Self.finest()], range(20, 1)).windowsFailed == 1) // the older, wider window fails
        simulator.configure { $0.faults.rate = 0 }
        let inner = range(12, 8)
        #expect(try load([Self.finest()], inner).windowsFailed == 0) // a newer window id, fetched first
        simulator.configure { $0.restateFromHour = (Self.midnight - 15 * Self.day) / 3600 }
        simulator.restate()
        let store = WindowStore(connection: connection)
        let jobs = try store.unfinishedWindows(endpoint: nil, servedSince: 0).map { Runner.Job(spec: Self.finest(), streamID: $0.1, window: $0.0) }
        #expect(runner().run(jobs, refetch: false).windowsFailed == 0) // fetched last, same clock second
        #expect(try view(inner) == truth(inner))
        let replayed = try Replayer(connection: connection, logger: Logger(label: "test"))
            .replay(range: range(20, 1), endpoints: [], parallelism: 1, databaseURL: databaseURL)
        #expect(replayed.windowsFailed == 0)
        #expect(try view(inner) == truth(inner))
    }

    // 2. Replay gives what the newest archived pages say, whatever the order or parallelism.
    @Test func replayOfOverlappingWindowsKeepsTheNewestFetch() throws {
        #expect(try load([Self.finest()], range(41, 1)).windowsFailed == 0) // windows -41..-10, -10..-1
        simulator.configure { $0.restateFromHour = (Self.midnight - 15 * Self.day) / 3600 }
        simulator.restate()
        let overlap = range(12, 8)
        #expect(try load([Self.finest()], overlap).windowsFailed == 0) // a newer window across both
        let expected = truth(overlap)
        #expect(try view(overlap) == expected)
        for parallelism in [1, 4] {
            let summary = try Replayer(connection: connection, logger: Logger(label: "test"))
                .replay(range: range(41, 1), endpoints: [], parallelism: parallelism, databaseURL: databaseURL)
            #expect(summary.windowsFailed == 0, "\(summary.errors)")
            #expect(try view(overlap) == expected, "parallelism \(parallelism)")
        }
        // From an empty fact table, in parallel: each bucket written once, by its newest window.
        try connection.execute(script: "TRUNCATE warehouse.fact_completions")
        let summary = try Replayer(connection: connection, logger: Logger(label: "test"))
            .replay(range: range(41, 1), endpoints: [], parallelism: 4, databaseURL: databaseURL)
        #expect(summary.windowsFailed == 0, "\(summary.errors)")
        #expect(try view(overlap) == expected)
    }

    // 3. Two runs whose windows of one stream overlap, both finding the slice empty.
    @Test func overlappingRunsOfOneStreamBothLoadWithoutAConflict() throws {
        simulator.configure { $0.faults.latencyMilliseconds = 300 }
        let hourly = Self.finest(EndpointCatalog.completions, .hour)
        // The month's partition and the dimension values exist already.
        #expect(try load([Self.finest(EndpointCatalog.completions, .hour)], TimeRange(start: Self.midnight - 30 * Self.day, end: Self.midnight - 29 * Self.day)).windowsFailed == 0)
        for round in Int64(0)..<3 {
            let start = Self.midnight - (25 - 8 * round) * Self.day
            let ranges = [TimeRange(start: start, end: start + 168 * 3600), TimeRange(start: start + 3600, end: start + 169 * 3600)]
            let summaries = Mutex<[RunSummary]>([])
            let runners = [runner(parallelism: 1), runner(parallelism: 1)]
            let databaseURL = self.databaseURL
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                let runner = runners[i]
                let connection = try! PostgresConnection(databaseURL)
                let jobs = try! runner.plan([hourly], range: ranges[i], refetch: false, connection: connection)
                let summary = runner.run(jobs, refetch: false)
                summaries.withLock { $0.append(summary) }
            }
            for summary in summaries.withLock({ $0 }) { #expect(summary.windowsFailed == 0, "\(summary.errors)") }
            let union = TimeRange(start: start, end: start + 169 * 3600)
            #expect(try view(union, width: "1h") == truth(union, width: .hour))
        }
    }

    // 4. A range just inside the one-year limit starts at the first bucket the API serves.
    @Test func aRangeJustInsideTheYearLimitLoads() throws {
        let since = Self.now - 365 * Self.day + 3600
        let summary = try load([Self.finest(EndpointCatalog.embeddings)], TimeRange(start: since, end: since + 3 * Self.day))
        #expect(summary.windowsFailed == 0, "\(summary.errors)")
        #expect(summary.windowsDone == 1)
        #expect(simulator.requestLog.allSatisfy { $0.status == 200 })
    }

    // 5. Windows a killed run left running, or a stopped one left pending, are picked up.
    @Test func interruptedWindowsAreLoadedByRerunAndBySync() throws {
        let spec = Self.finest(EndpointCatalog.embeddings)
        let history = range(62, 1) // windows -62..-31, -31..-1
        #expect(try load([spec], history).windowsFailed == 0)
        let expected = truth(history, endpoint: EndpointCatalog.embeddings)
        // As a SIGKILL leaves it: the first window running, its pages half fetched; the second never started.
        let store = WindowStore(connection: connection)
        let windows = try connection.query("SELECT window_id FROM etl.windows ORDER BY window_start").rows.compactMap { $0[0].flatMap { Int64($0) } }
        try connection.query("UPDATE etl.windows SET state = 'running' WHERE window_id = $1", [.int64(windows[0])])
        try store.restart(windows[0])
        try connection.query("UPDATE etl.windows SET state = 'pending' WHERE window_id = $1", [.int64(windows[1])])
        try connection.query("DELETE FROM warehouse.fact_embeddings")
        let unfinished = try store.unfinishedWindows(endpoint: nil, servedSince: Self.now - 365 * Self.day)
        #expect(Set(unfinished.map(\.0.id)) == Set(windows))
        // sync: a range past the high-water mark still takes them.
        let summary = try load([spec], TimeRange(start: Self.now - 3600, end: Self.now), unsettled: true)
        #expect(summary.windowsFailed == 0)
        #expect(try view(history, view: "embeddings_usage") == expected)
        #expect(try connection.query("SELECT count(*) FROM etl.windows WHERE state <> 'done'").scalar == "0")
    }

    // 6 and 7. Provisional follows the fetch, and provisional windows are fetched again whatever the lookback.
    @Test func provisionalFollowsFetchTimeAndIsRefetchedWhateverTheLookback() throws {
        let spec = Self.finest(EndpointCatalog.completions, .hour)
        let recent = TimeRange(start: Self.now - 6 * 3600, end: Self.now)
        #expect(try load([spec], recent).windowsFailed == 0)
        #expect(try connection.query("SELECT provisional FROM etl.windows").scalar == "t")
        // Its load failed; it is rerun a day later, from the archived pages: still provisional.
        try connection.query("UPDATE etl.windows SET state = 'failed'")
        clock.value.store(Self.now + Self.day, ordering: .relaxed)
        let store = WindowStore(connection: connection)
        let runner = runner()
        let jobs = try store.unfinishedWindows(endpoint: nil, servedSince: 0).map { Runner.Job(spec: spec, streamID: $0.1, window: $0.0) }
        #expect(runner.run(jobs, refetch: false).windowsFailed == 0)
        #expect(try connection.query("SELECT provisional FROM etl.windows").scalar == "t", "pages fetched inside the grace period")
        // Late data lands; a sync whose lookback does not reach back still fetches the window again.
        simulator.configure { $0.restateFromHour = (Self.now - 6 * 3600) / 3600; $0.now = Self.now + Self.day }
        simulator.restate()
        let summary = try load([spec], TimeRange(start: Self.now + Self.day - 3600, end: Self.now + Self.day), unsettled: true)
        #expect(summary.windowsFailed == 0)
        #expect(try view(recent, width: "1h") == truth(recent, width: .hour))
        #expect(try connection.query("SELECT count(*) FROM etl.windows WHERE provisional").scalar == "1", "only the new hour")
    }

    // Pages shorter than `limit` are fine; an early end with buckets missing fails and deletes nothing.
    @Test func shortPagesLoadAndAnEarlyEmptyPageFailsTheWindowKeepingItsRows() throws {
        simulator.configure { $0.faults.shortPageBuckets = 7 }
        let month = range(40, 9) // one window of 31 buckets
        #expect(try load([Self.finest()], month).windowsFailed == 0)
        #expect(simulator.requestCount(endpoint: "completions") == 5)
        let expected = truth(month)
        #expect(try view(month) == expected)
        simulator.configure { $0.faults.earlyEmptyPage = true }
        let summary = try load([Self.finest()], month, refetch: true)
        #expect(summary.windowsFailed == 1)
        #expect(summary.errors.joined().contains("pagination stopped early"))
        #expect(try view(month) == expected, "nothing deleted")
    }

    // 9. One cost group in two currencies stays two rows; split amounts sum exactly past 38 digits.
    @Test func currenciesStayApartAndSplitAmountsSumExactly() throws {
        let start = Self.midnight - 3 * Self.day
        func result(_ value: String, _ currency: String) -> String {
            """
            {"object":"organization.costs.result","amount":{"value":\(value),"currency":"\(currency)"},"line_item":"gpt-x, input",
             "project_id":"proj_a","quantity":null,"quantity_unit":null,"organization_id":"org-test"}
            """
        }
        let long = "1234567890123456789012345678901234567890.123456789"
        let page = """
            {"object":"page","data":[{"object":"bucket","start_time":\(start),"end_time":\(start + Self.day),"results":[
            \(result("10.00", "usd")),\(result("7.00", "eur")),\(result(long, "jpy")),\(result("0.000000001", "jpy"))]}],
            "has_more":false,"next_page":null}
            """
        let decoded = try PageDecoder(endpoint: EndpointCatalog.costs).decode(Array(page.utf8))
        let spec = StreamSpec(organization: "org-test", endpoint: EndpointCatalog.costs, width: .day, groupBy: [.projectID, .lineItem])
        try connection.loadHandcrafted(decoded, spec: spec, window: TimeRange(start: start, end: start + Self.day))
        let rows = try connection.query("SELECT currency, amount::text FROM analytics.costs ORDER BY currency").rows
        #expect(rows == [["eur", "7.00"], ["jpy", "1234567890123456789012345678901234567890.12345679"], ["usd", "10.00"]])
    }

    // 10. A load never holds a new dimension value another load waits for.
    @Test func newDimensionValuesAreCommittedBeforeTheWindowTransaction() throws {
        let start = Self.midnight - 3 * Self.day
        let page = """
            {"object":"page","data":[{"object":"bucket","start_time":\(start),"end_time":\(start + Self.day),"results":[
            {"object":"organization.usage.embeddings.result","input_tokens":5,"num_model_requests":1,
             "project_id":"proj_dl","user_id":null,"api_key_id":"key_dl_first","model":"model_dl_second"}]}],
            "has_more":false,"next_page":null}
            """
        let decoded = try PageDecoder(endpoint: EndpointCatalog.embeddings).decode(Array(page.utf8))
        let spec = Self.finest(EndpointCatalog.embeddings)
        let streamID = try WindowStore(connection: connection).streamID(for: spec)
        let window = TimeRange(start: start, end: start + Self.day)
        // Another load holds the model uncommitted and will next want the API key.
        let other = try PostgresConnection(databaseURL)
        try other.execute(script: "BEGIN")
        try other.query("INSERT INTO warehouse.dim_model (natural_id, kind) VALUES ('model_dl_second', 'value')")
        let loaded = Mutex<Result<Int, any Error>?>(nil)
        let databaseURL = self.databaseURL
        let thread = Thread {
            let outcome = Result<Int, any Error> {
                let connection = try PostgresConnection(databaseURL)
                let loader = FactLoader(connection: connection, dimensions: try PostgresConnection(databaseURL))
                try loader.ensurePartitions(endpoint: spec.endpoint, window: window)
                var buckets = decoded.buckets.makeIterator()
                return try connection.transaction {
                    try loader.replaceSlice(spec: spec, streamID: streamID, window: window, buckets: { buckets.next() })
                }
            }
            loaded.withLock { $0 = outcome }
        }
        thread.start()
        usleep(500_000) // the load has registered the key and waits for the model
        try other.query("SET lock_timeout = '5s'")
        try other.query("INSERT INTO warehouse.dim_api_key (natural_id, kind) VALUES ('key_dl_first', 'value') ON CONFLICT (natural_id) DO NOTHING")
        try other.execute(script: "COMMIT")
        let deadline = Date().addingTimeInterval(20)
        while loaded.withLock({ $0 }) == nil && Date() < deadline { usleep(20_000) }
        let outcome = loaded.withLock { $0 }
        #expect(throws: Never.self) { try outcome?.get() }
        #expect((try? outcome?.get()) == 1)
    }
}

/// A clock a test moves forward while runners read it.
final class TestClock: Sendable {
    let value: Atomic<Int64>
    init(_ start: Int64) { value = Atomic(start) }
}
