import APIClient
import Foundation
import Logging
import Pipeline
import Postgres
import Simulator
import TestSupport
import Testing
import UsageAPI
import Warehouse

/// Issue 20: the API as the reference of 2026-11 describes it (decisions usage, `api_source`, the
/// cache-write split), fields the catalog does not know reported, and new columns filled from the
/// archive by `usage-etl replay` without a request.
@Suite("the API as of 2026-11", .serialized)
struct APIReferenceTests {
    let harness: SimulatorHarness
    let simulator: APISimulator
    let databaseURL: String
    let connection: PostgresConnection
    let scratch: URL
    /// Whole days that ended before today: stable under the simulator's real clock.
    let today = Scratch.today

    init() throws {
        harness = try SimulatorHarness(database: "test_api_reference")
        (simulator, databaseURL, connection) = (harness.simulator, harness.databaseURL, harness.connection)
        scratch = try Scratch.directory("usage-etl-ref")
    }

    func run(_ arguments: [String]) throws -> (Int32, String) { try harness.run(arguments) }

    /// A metric's ground truth over `[from, to)` at `1d`, per value of `groupBy`'s first dimension.
    func truth(_ endpoint: Endpoint, _ metric: String, from: Int64, to: Int64, by dimension: UsageAPI.Dimension) -> [String: Int64] {
        var totals: [String: Int64] = [:]
        let query = UsageQuery(endpoint: endpoint, startTime: from, endTime: to, groupBy: [dimension])
        for bucket in simulator.groundTruth.buckets(query, now: simulator.now) {
            for result in bucket.results {
                guard case .count(let value) = result.values[metric] else { continue }
                totals[(result.dimensions[dimension] ?? nil) ?? "null", default: 0] += value
            }
        }
        return totals
    }

    func loaded(_ view: String, _ metric: String, by column: String, from: Int64, to: Int64) throws -> [String: Int64] {
        var totals: [String: Int64] = [:]
        for row in try connection.query("""
            SELECT coalesce(\(column)::text, 'null'), sum(\(metric))::text FROM analytics.\(view)
            WHERE bucket_width = '1d' AND bucket_start >= to_timestamp($1) AND bucket_start < to_timestamp($2) GROUP BY 1
            """, [.int64(from), .int64(to)]).rows {
            totals[row[0] ?? "?"] = Int64(row[1] ?? "") ?? -1
        }
        return totals
    }

    @Test func threeMonthsOfDecisionsByAPISourceAndCompletionsCarryingItLoadExactly() throws {
        let (from, to) = (today - 90 * 86_400, today - 86_400)
        let (status, output) = try run(["backfill", "--since", UTCTime.format(from), "--until", UTCTime.format(to),
                                        "--endpoint", "decisions", "--endpoint", "completions", "--requests-per-minute", "6000"])
        #expect(status == 0, "\(output)")
        // Decisions at the finest grouping, api_source among it; every metric of the reference.
        for metric in ["input_tokens", "output_tokens", "num_model_requests", "input_cache_write_12h_tokens", "input_cache_write_30m_tokens"] {
            let expected = truth(EndpointCatalog.decisions, metric, from: from, to: to, by: .apiSource)
            #expect(Set(expected.keys) == ["agents_api", "unlabeled"])
            #expect(try loaded("decisions_usage", metric, by: "api_source", from: from, to: to) == expected, "decisions \(metric)")
        }
        // Completions carry api_source (null: never grouped by it) and the split.
        for metric in ["input_tokens", "input_cache_write_12h_tokens", "input_cache_write_30m_tokens"] {
            let expected = truth(EndpointCatalog.completions, metric, from: from, to: to, by: .model).values.reduce(0, +)
            #expect(try loaded("completions_usage", metric, by: "api_source", from: from, to: to) == ["null": expected], "completions \(metric)")
        }
        // group_by=api_source was never sent to completions (an unsupported group_by is a hard 400).
        let completions = simulator.requestLog.filter { $0.endpoint == "completions" }
        #expect(!completions.isEmpty && completions.allSatisfy { $0.status == 200 })
        #expect(!completions.contains { request in request.query.contains { $0 == ("group_by", "api_source") } })
        #expect(simulator.requestLog.filter { $0.endpoint == "decisions" }.allSatisfy { $0.query.contains { $0 == ("group_by", "api_source") } })
        // The contract view has the reference's names; the analyst views count decisions too.
        let columns = try connection.query("""
            SELECT column_name FROM information_schema.columns WHERE table_schema = 'analytics' AND table_name = 'decisions_usage'
            """).rows.compactMap { $0.first ?? nil }
        #expect(columns.contains("api_source") && columns.contains("input_cache_write_12h_tokens"))
        let tokens = try connection.query("SELECT sum(input_tokens)::text FROM analytics.daily_tokens WHERE endpoint = 'decisions'").scalar
        #expect(tokens == String(truth(EndpointCatalog.decisions, "input_tokens", from: from, to: to, by: .apiSource).values.reduce(0, +)))
    }

    @Test func aFieldTheCatalogDoesNotKnowIsReportedByStatusLogsAndMetrics() throws {
        simulator.configure { $0.faults.newFields = ["embeddings": ["input_foo_tokens", "forged\n12:00:00 error x"]] }
        let (from, to) = (today - 5 * 86_400, today - 86_400)
        let metrics = scratch.appendingPathComponent("metrics.prom")
        let (status, output) = try run(["backfill", "--since", UTCTime.format(from), "--until", UTCTime.format(to), "--endpoint", "embeddings",
                                        "--endpoint", "moderations", "--requests-per-minute", "6000", "--metrics-file", metrics.path])
        #expect(status == 0, "\(output)")
        let results = try #require(Int(try connection.query("SELECT count(*) FROM analytics.embeddings_usage").scalar ?? ""))
        #expect(results > 0)
        // Logged once for the run, at notice level.
        #expect(output.components(separatedBy: "field input_foo_tokens in \(results) results").count == 2, "\(output)")
        #expect(output.contains("notice"))
        let (_, statusOutput) = try run(["status"])
        #expect(statusOutput.contains("embeddings: field input_foo_tokens in \(results.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))) results since \(UTCTime.format(from).prefix(10))"),
                "\(statusOutput)")
        #expect(!statusOutput.contains("moderations: field"))
        let (_, json) = try run(["status", "--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let unknown = try #require(document["unknown_fields"] as? [[String: Any]])
        #expect(unknown.count == 2 && unknown.first?["field"] as? String == "forged\\u{a}12:00:00 error x" && unknown.last?["results"] as? Int == results,
                "\(unknown)")
        // A name cannot forge a line of the logs or of status.
        #expect(!output.contains("forged\n") && !statusOutput.contains("forged\n"))
        let text = try String(contentsOf: metrics, encoding: .utf8)
        #expect(text.contains("usage_etl_unknown_field_results{endpoint=\"embeddings\",bucket_width=\"1d\",field=\"input_foo_tokens\"} \(results)"), "\(text)")
        // Loading the same windows again does not count them twice.
        let again = try run(["backfill", "--since", UTCTime.format(from), "--until", UTCTime.format(to), "--endpoint", "embeddings",
                             "--refetch", "--requests-per-minute", "6000"])
        #expect(again.0 == 0, "\(again.1)")
        #expect(try run(["status"]).1.contains("embeddings: field input_foo_tokens in \(results.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))) results"))
        // Nor does a sync whose window overlaps the backfill's (its lookback): each bucket counts once.
        let sync = try run(["sync", "--endpoint", "embeddings", "--skip-dimensions", "--requests-per-minute", "6000"])
        #expect(sync.0 == 0, "\(sync.1)")
        let now = try #require(Int(try connection.query("SELECT count(*) FROM analytics.embeddings_usage WHERE bucket_width = '1d'").scalar ?? ""))
        #expect(now > results)
        #expect(try run(["status"]).1.contains("embeddings: field input_foo_tokens in \(now.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))) results"))
    }

    @Test func replayFillsANewColumnFromTheArchiveWithoutARequest() throws {
        let (from, to) = (today - 40 * 86_400, today - 86_400)
        // A release whose catalog does not know the 12-hour cache writes loads completions.
        let older = EndpointCatalog.completions.knowing(metricsWithout: ["input_cache_write_12h_tokens"])
        var api = APIConfiguration(baseURL: try #require(simulator.baseURL), adminKey: "sk-admin-simulator-key")
        api.requestsPerMinute = 60_000
        let runner = Runner(databaseURL: databaseURL, api: api, parallelism: 2, logger: Logger(label: "test"))
        let spec = StreamSpec.finest(older, width: .day, organization: "org-test")
        let summary = runner.run(try runner.plan([spec], range: TimeRange(start: from, end: to), refetch: false, connection: connection), refetch: false)
        #expect(summary.windowsFailed == 0 && summary.windowsDone == 2, "\(summary.errors)")
        #expect(summary.unknownFields["completions"]?.buckets["input_cache_write_12h_tokens"] != nil)
        let expected = truth(EndpointCatalog.completions, "input_cache_write_12h_tokens", from: from, to: to, by: .model).values.reduce(0, +)
        #expect(expected > 0)
        #expect(try connection.query("SELECT count(input_cache_write_12h_tokens)::text FROM warehouse.fact_completions").scalar == "0")
        let (_, before) = try run(["status"])
        #expect(before.contains("completions: field input_cache_write_12h_tokens in "), "\(before)")
        let rows = try connection.query("SELECT count(*)::text, sum(input_tokens)::text FROM warehouse.fact_completions").rows.first

        // This release knows it: replay fills the column from the archived pages alone.
        let requests = simulator.requestCount()
        let (status, output) = try UsageETLProcess.run(
            ["replay", "--since", UTCTime.format(from), "--until", UTCTime.format(to), "--endpoint", "completions"],
            environment: UsageETLProcess.environment(baseURL: "http://127.0.0.1:9/v1", databaseURL: databaseURL, key: ""))
        #expect(status == 0, "\(output)")
        #expect(output.contains("replay: 2 windows loaded"), "\(output)")
        #expect(simulator.requestCount() == requests, "replay asked the API")
        #expect(try loaded("completions_usage", "input_cache_write_12h_tokens", by: "api_source", from: from, to: to) == ["null": expected])
        #expect(try connection.query("SELECT count(*)::text, sum(input_tokens)::text FROM warehouse.fact_completions").rows.first == rows,
                "the rows and their other columns are as they were")
        let (_, after) = try run(["status"])
        #expect(!after.contains("input_cache_write_12h_tokens"), "\(after)")
    }
}
