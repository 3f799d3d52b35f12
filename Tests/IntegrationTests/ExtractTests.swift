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

/// The extract stage against the simulator over loopback: retries and Retry-After, errors that are
/// not retried, pagination loops, and a process killed between pages.
@Suite("Extract against the simulator", .serialized)
struct ExtractTests {
    static let now: Int64 = 1_767_225_600 + 12 * 3600 // 2026-01-01T12:00:00Z
    static let range = TimeRange(start: 1_767_225_600 - 10 * 86_400, end: 1_767_225_600)
    static let key = "sk-admin-simulator-key"

    let simulator: APISimulator
    let databaseURL: String
    let connection: PostgresConnection

    init() throws {
        let harness = try SimulatorHarness(database: "test_extract", now: Self.now)
        (simulator, databaseURL, connection) = (harness.simulator, harness.databaseURL, harness.connection)
    }

    func api(key: String = Self.key, pageLimit: Int? = nil) -> APIConfiguration {
        var api = APIConfiguration(baseURL: simulator.baseURL!, adminKey: key)
        api.requestsPerMinute = 60_000
        api.baseBackoff = 0.001
        api.maxAttempts = 3
        api.pageLimit = pageLimit
        return api
    }

    func backfill(_ specs: [StreamSpec], api: APIConfiguration) throws -> RunSummary {
        let runner = Runner(databaseURL: databaseURL, api: api, parallelism: 1, logger: Logger(label: "test"), clock: { Self.now })
        return runner.run(try runner.plan(specs, range: Self.range, refetch: false, connection: connection), refetch: false)
    }

    static func finest(_ endpoint: Endpoint) -> StreamSpec { StreamSpec.finest(endpoint, width: .day, organization: "org-test") }

    /// Sleeps a client asked for, recorded instead of slept.
    final class SleepLog: Sendable {
        private let waits = Mutex<[Double]>([])
        var all: [Double] { waits.withLock { $0 } }
        func client(_ api: APIConfiguration) -> UsageAPIClient {
            UsageAPIClient(configuration: api, limiter: RateLimiter(requestsPerMinute: 0), sleep: { [self] seconds in
                waits.withLock { $0.append(seconds) }
            })
        }
    }

    @Test func retryAfterMillisecondsIsHonoured() throws {
        simulator.configure { $0.faults.rate = 1; $0.faults.kinds = [.rateLimited] }
        let sleeps = SleepLog()
        let client = sleeps.client(api())
        #expect(throws: APIError.self) { try client.fetch(Self.finest(EndpointCatalog.images), window: Self.range, cursor: nil) }
        #expect(simulator.requestCount(endpoint: "images") == 3)
        // The fault answers Retry-After: 1 and retry-after-ms: 200; the finer one wins over the tiny backoff.
        #expect(sleeps.all == [0.2, 0.2])
    }

    @Test func retryAfterSecondsFromTheRateLimitIsHonoured() throws {
        simulator.configure { $0.requestsPerMinute = 1 }
        let sleeps = SleepLog()
        let client = sleeps.client(api())
        _ = try client.fetch(Self.finest(EndpointCatalog.moderations), window: Self.range, cursor: nil)
        #expect(throws: APIError.self) { try client.fetch(Self.finest(EndpointCatalog.moderations), window: Self.range, cursor: nil) }
        let waits = sleeps.all
        #expect(waits.count == 2)
        #expect(waits.allSatisfy { $0 >= 55 && $0 <= 60 }, "\(waits)")
    }

    @Test func badRequestIsNotRetriedAndFailsOnlyItsWindow() throws {
        // The API's clock is past the retention of the requested range: 400 reporting_lookback_exceeded.
        simulator.configure { $0.now = Self.now + 400 * 86_400 }
        let summary = try backfill([Self.finest(EndpointCatalog.embeddings), Self.finest(EndpointCatalog.costs)], api: api())
        #expect(summary.windowsFailed == 2)
        #expect(summary.unauthorized == nil)
        #expect(simulator.requestCount() == 2, "a 400 is never retried")
        let errors = try connection.query("SELECT last_error FROM etl.windows WHERE state = 'failed'").rows.compactMap { $0[0] }
        #expect(errors.count == 2)
        #expect(errors.allSatisfy { $0.contains("reporting lookback") && $0.contains("400") }, "\(errors)")
    }

    @Test func wrongAdminKeyStopsTheRunWithoutRetrying() throws {
        let specs = EndpointCatalog.all.map(Self.finest)
        let summary = try backfill(specs, api: api(key: "sk-admin-wrong-key"))
        #expect(summary.unauthorized?.contains("not an admin key") == true)
        #expect(summary.windowsDone == 0)
        #expect(simulator.requestCount() == 1, "the first 401 stops the run")
        #expect(try connection.query("SELECT count(*) FROM etl.windows WHERE last_error LIKE '%sk-admin-wrong%'").scalar == "0")
    }

    @Test func loopingCursorIsCaught() throws {
        simulator.configure { $0.faults.loopingCursor = true }
        let summary = try backfill([Self.finest(EndpointCatalog.embeddings)], api: api(pageLimit: 3))
        #expect(summary.windowsFailed == 1)
        #expect(simulator.requestCount(endpoint: "embeddings") == 2)
        let error = try connection.query("SELECT last_error FROM etl.windows").scalar ?? ""
        #expect(error.contains("pagination loop"), "\(error)")
    }

    @Test func pageLimitSplitsAWindowIntoPagesThatLoadExactly() throws {
        let summary = try backfill([Self.finest(EndpointCatalog.embeddings)], api: api(pageLimit: 3))
        #expect(summary.windowsDone == 1)
        #expect(summary.pages == 4) // 10 daily buckets, 3 a page
        #expect(simulator.requestCount(endpoint: "embeddings") == 4)
        let loaded = try connection.query("SELECT sum(input_tokens)::text FROM warehouse.fact_embeddings").scalar
        let truth = simulator.groundTruth.buckets(UsageQuery(endpoint: EndpointCatalog.embeddings, startTime: Self.range.start,
                                                             endTime: Self.range.end), now: Self.now)
            .flatMap(\.results).reduce(Int64(0)) { if case .count(let v) = $1.values["input_tokens"] { $0 + v } else { $0 } }
        #expect(loaded == String(truth))
    }
}
