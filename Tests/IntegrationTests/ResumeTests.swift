import Foundation
import Pipeline
import Postgres
import Simulator
import TestSupport
import Testing
import UsageAPI
import Warehouse

/// The `usage-etl` binary killed with SIGKILL between pages, then started again.
@Suite("Kill and resume", .serialized)
struct ResumeTests {
    @Test func killedBetweenPagesResumesFetchingEachPageOnce() throws {
        // The binary runs on the real clock; the range is ten whole days that ended two days ago.
        let today = Int64(Date().timeIntervalSince1970) / 86_400 * 86_400
        let range = TimeRange(start: today - 12 * 86_400, end: today - 2 * 86_400)
        let harness = try SimulatorHarness(database: "test_resume") { $0.faults.latencyMilliseconds = 150 }
        let (simulator, databaseURL, connection) = (harness.simulator, harness.databaseURL, harness.connection)
        defer { simulator.stop() }
        let baseURL = simulator.baseURL!

        let arguments = ["backfill", "--since", UTCTime.format(range.start), "--until", UTCTime.format(range.end),
                         "--endpoint", "embeddings", "--page-limit", "1", "--parallelism", "1", "--requests-per-minute", "6000"]
        let environment = UsageETLProcess.environment(baseURL: baseURL, databaseURL: databaseURL)
        let first = try UsageETLProcess(arguments, environment: environment)
        // Kill it once three pages are committed.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let fetched = try connection.query("SELECT coalesce(max(pages_fetched), 0) AS n FROM etl.windows").int(0, "n") ?? 0
            if fetched >= 3 { break }
            usleep(10_000)
        }
        kill(first.process.processIdentifier, SIGKILL)
        _ = first.wait()
        #expect(first.process.terminationReason == .uncaughtSignal)
        let committed = try connection.query("SELECT pages_fetched FROM etl.windows").int(0, "pages_fetched") ?? 0
        #expect((3..<10).contains(committed), "killed after \(committed) pages")

        let second = try UsageETLProcess(arguments, environment: environment)
        #expect(second.wait().0 == 0)

        // Each page requested once; at most the one in flight at the kill was requested twice.
        var perCursor: [String: Int] = [:]
        for request in simulator.requestLog where request.endpoint == "embeddings" && request.status == 200 {
            perCursor[request.parameter("page") ?? "first", default: 0] += 1
        }
        #expect(perCursor.count == 10)
        #expect(perCursor.values.filter { $0 > 1 }.count <= 1)
        #expect(perCursor.values.allSatisfy { $0 <= 2 })
        #expect(try connection.query("SELECT count(*), count(DISTINCT page_index) FROM raw.pages").rows[0] == ["10", "10"])
        #expect(try connection.query("SELECT state FROM etl.windows").scalar == "done")
        // The killed run's record is closed by the next run, not left running forever.
        #expect(try connection.query("SELECT outcome FROM etl.runs ORDER BY run_id").rows.map { $0[0] } == ["interrupted", "succeeded"])

        let truth = simulator.groundTruth.buckets(UsageQuery(endpoint: EndpointCatalog.embeddings, startTime: range.start, endTime: range.end),
                                                  now: simulator.now)
            .flatMap(\.results).reduce(Int64(0)) { if case .count(let v) = $1.values["input_tokens"] { $0 + v } else { $0 } }
        #expect(try connection.query("SELECT sum(input_tokens)::text FROM warehouse.fact_embeddings").scalar == String(truth))
    }
}
