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

/// The analyst layer over half a year of simulator data loaded once: spend, tokens, unit economics,
/// budgets, anomalies, alerts, local reconciliation and the analyst role.
@Suite("Analyst views", .serialized)
struct AnalyticsTests {
    static let now: Int64 = 1_767_225_600 + 12 * 3600 // 2026-01-01T12:00:00Z
    static let range = TimeRange(start: 1_767_225_600 - 182 * 86_400, end: 1_767_225_600)

    /// Loads the data once for the whole suite.
    static let loaded: Result<(APISimulator, String), any Error> = Result {
        var configuration = SimulatorConfiguration()
        configuration.now = now
        let simulator = APISimulator(configuration: configuration)
        try simulator.start()
        let url = try TestDatabase.fresh("test_analytics")
        let connection = try PostgresConnection(url)
        try Migrator().migrate(connection)
        var api = APIConfiguration(baseURL: simulator.baseURL!, adminKey: "sk-admin-simulator-key")
        api.requestsPerMinute = 60_000
        let runner = Runner(databaseURL: url, api: api, parallelism: 2, logger: Logger(label: "test"), clock: { now })
        // Decisions too: costs bill their tokens on the same model line items as completions.
        let endpoints = [EndpointCatalog.completions, EndpointCatalog.decisions, EndpointCatalog.embeddings, EndpointCatalog.costs, EndpointCatalog.images,
                         EndpointCatalog.audioSpeeches, EndpointCatalog.vectorStores, EndpointCatalog.codeInterpreterSessions]
        let specs = endpoints.map { StreamSpec.finest($0, width: .day, organization: "org-test") }
        let summary = runner.run(try runner.plan(specs, range: range, refetch: false, connection: connection), refetch: false)
        guard summary.windowsFailed == 0 else { throw SetupFailed(errors: summary.errors) }
        return (simulator, url)
    }

    struct SetupFailed: Error { var errors: [String] }

    let simulator: APISimulator
    let databaseURL: String
    let connection: PostgresConnection

    init() throws {
        (simulator, databaseURL) = try Self.loaded.get()
        connection = try PostgresConnection(databaseURL)
    }

    func scalar(_ sql: String, _ parameters: [PostgresValue] = []) throws -> String? { try connection.query(sql, parameters).scalar }

    func truthCount(_ endpoint: Endpoint, _ metric: String, from: Int64 = range.start, to: Int64 = range.end,
                    groupBy: Set<UsageAPI.Dimension> = []) -> Int64 {
        simulator.groundTruth.buckets(UsageQuery(endpoint: endpoint, startTime: from, endTime: to, groupBy: groupBy), now: Self.now)
            .flatMap(\.results).reduce(0) { if case .count(let v) = $1.values[metric] { $0 + v } else { $0 } }
    }

    @Test func spendViewsAddUpToTheCostsExactly() throws {
        var truth = Decimal(0)
        for bucket in simulator.groundTruth.buckets(UsageQuery(endpoint: EndpointCatalog.costs, startTime: Self.range.start,
                                                               endTime: Self.range.end, groupBy: [.projectID, .lineItem]), now: Self.now) {
            for result in bucket.results { if case .decimal(let text) = result.values["amount"] { truth += Decimal(string: text)! } }
        }
        #expect(Decimal(string: try scalar("SELECT sum(amount)::text FROM analytics.daily_spend")!) == truth)
        #expect(try scalar("SELECT sum(amount)::text FROM analytics.monthly_spend") == scalar("SELECT sum(amount)::text FROM analytics.daily_spend"))
        #expect(try scalar("SELECT count(DISTINCT month) FROM analytics.monthly_spend") == "6")
        #expect(try scalar("SELECT string_agg(DISTINCT currency, ',') FROM analytics.daily_spend") == "usd")
    }

    @Test func tokenViewsMatchTheAPIWithCachedShare() throws {
        let input = try scalar("SELECT sum(input_tokens)::text FROM analytics.daily_tokens WHERE endpoint = 'completions'")
        #expect(input == String(truthCount(EndpointCatalog.completions, "input_tokens")))
        let embeddings = try scalar("SELECT sum(input_tokens)::text FROM analytics.daily_tokens WHERE endpoint = 'embeddings'")
        #expect(embeddings == String(truthCount(EndpointCatalog.embeddings, "input_tokens")))
        #expect(try scalar("SELECT bool_and(cached_input_share BETWEEN 0 AND 1) FROM analytics.daily_tokens WHERE endpoint = 'completions'") == "t")
        #expect(try scalar("SELECT count(DISTINCT batch) FROM analytics.daily_tokens WHERE endpoint = 'completions'") == "2")
        #expect(try scalar("SELECT sum(images)::text FROM analytics.daily_images") == String(truthCount(EndpointCatalog.images, "images")))
        #expect(try scalar("SELECT sum(characters)::text FROM analytics.daily_audio") == String(truthCount(EndpointCatalog.audioSpeeches, "characters")))
        #expect(try scalar("SELECT sum(num_sessions)::text FROM analytics.daily_code_interpreter_sessions")
                == String(truthCount(EndpointCatalog.codeInterpreterSessions, "num_sessions")))
    }

    @Test func vectorStoreStorageIsAGaugeWithOneLatestValuePerProject() throws {
        let projects = try scalar("SELECT count(DISTINCT project_id) FROM analytics.vector_store_storage")
        #expect(try scalar("SELECT count(*) FROM analytics.vector_store_storage WHERE is_latest") == projects)
        let last = Self.range.end - 86_400
        let latest = try scalar("SELECT sum(usage_bytes)::text FROM analytics.vector_store_storage WHERE is_latest")
        #expect(latest == String(truthCount(EndpointCatalog.vectorStores, "usage_bytes", from: last, to: Self.range.end)))
    }

    @Test func unitEconomicsRecoverTheListPrices() throws {
        // gpt-4o-mini: $0.60 per 1M output tokens; input blends $0.15 (uncached) and $0.075 (cached).
        let rows = try connection.query("""
            SELECT cost_per_1m_output_tokens::text, cost_per_1m_input_tokens::text, cost_per_request::text
            FROM analytics.unit_economics WHERE model_family = 'gpt-4o-mini' AND output_tokens > 0
            """)
        #expect(rows.count > 0)
        for row in rows.rows {
            #expect(abs((Double(row[0]!) ?? 0) - 0.6) < 0.000_01, "\(row)")
            let input = Double(row[1]!) ?? 0
            #expect(input > 0.075 && input < 0.15, "\(row)")
            #expect((Double(row[2]!) ?? 0) > 0)
        }
    }

    @Test func budgetsProjectAndClassify() throws {
        let at = "2025-12-20T12:00:00Z"
        let spend = try #require(Decimal(string: try scalar("""
            SELECT sum(amount)::text FROM analytics.daily_spend WHERE day BETWEEN '2025-12-01' AND '2025-12-20'
            """)!))
        try connection.execute(script: "TRUNCATE analytics.budgets")
        for (name, amount) in [("normal", spend * 10), ("warning", spend * 1.2), ("critical", spend / 0.97), ("over", spend * 0.9)] {
            try connection.query("INSERT INTO analytics.budgets (name, scope, monthly_amount) VALUES ($1, 'organization', $2)",
                                 [.text(name), .numeric("\(amount)")])
        }
        let project = simulator.organization.projects[0].id
        try connection.query("INSERT INTO analytics.budgets (name, scope, project_id, monthly_amount) VALUES ('project', 'project', $1, 1000000)",
                             [.text(project)])
        let status = try connection.query("""
            SELECT name, status, spend_to_date::text, projected_month_end::text, remaining_daily_allowance::text
            FROM analytics.budget_status_at($1::timestamptz) ORDER BY budget_id
            """, [.text(at)])
        #expect(status.rows.map { $0[1] } == ["normal", "warning", "critical", "over", "normal"])
        #expect(Decimal(string: status.rows[0][2]!) == spend)
        // Linear projection: 20.5 of 31 days elapsed at noon on the 20th.
        let projected = try #require(Double(status.rows[0][3]!))
        let expected = NSDecimalNumber(decimal: spend).doubleValue / 19.5 * 31
        #expect(abs(projected - expected) < 0.02, "\(projected) vs \(expected)")
        #expect(Double(status.rows[3][4]!) == 0, "an exhausted budget has no daily allowance left")
        let projectSpend = try scalar("""
            SELECT sum(amount)::text FROM analytics.daily_spend WHERE day BETWEEN '2025-12-01' AND '2025-12-20' AND project_id = $1
            """, [.text(project)])
        #expect(status.rows[4][2] == projectSpend)
    }

    @Test func anomaliesFlagTheSimulatorsSpikeDays() throws {
        // Organisation-wide requests per day from the ground truth; a spike day is over 2.5x the
        // median of the same weekday in the previous eight weeks.
        var perDay: [Int64: Int64] = [:]
        for bucket in simulator.groundTruth.buckets(UsageQuery(endpoint: EndpointCatalog.completions, startTime: Self.range.start,
                                                               endTime: Self.range.end), now: Self.now) {
            perDay[bucket.startTime] = bucket.results.reduce(0) { if case .count(let v) = $1.values["num_model_requests"] { $0 + v } else { $0 } }
        }
        var spikes: [Int64] = []
        for (day, value) in perDay {
            let baseline = (1...8).compactMap { perDay[day - Int64($0) * 7 * 86_400] }.sorted()
            guard baseline.count >= 4 else { continue }
            let median = Double(baseline[baseline.count / 2] + baseline[(baseline.count - 1) / 2]) / 2
            if Double(value) > 2.5 * median { spikes.append(day) }
        }
        try #require(!spikes.isEmpty, "the simulated half year has no spike day to find")
        for day in spikes {
            let flagged = try scalar("""
                SELECT count(*) FROM analytics.anomalies
                WHERE grain = 'day' AND metric = 'requests' AND direction = 'spike' AND period_start = to_timestamp($1)
                """, [.int64(day)])
            #expect((Int(flagged ?? "0") ?? 0) > 0, "spike day \(UTCTime.format(day)) not flagged")
        }
        // Ordinary days (weekends included) are rarely flagged.
        let ordinary = try connection.query("""
            SELECT count(*) FILTER (WHERE NOT (extract(epoch FROM period_start)::bigint = ANY($1::bigint[]))) AS flagged,
                   (SELECT count(*) FROM analytics.daily_tokens WHERE endpoint = 'completions') AS points
            FROM analytics.anomalies WHERE grain = 'day' AND metric = 'requests'
            """, [PostgresArray.text(spikes.map(String.init))])
        let flagged = Double(ordinary.int(0, "flagged") ?? 0), points = Double(ordinary.int(0, "points") ?? 1)
        #expect(flagged / points < 0.05, "\(flagged) of \(points) ordinary series-days flagged")
    }

    @Test func alertsExitOneOnCriticalBudgetsAndPrintJSON() throws {
        try connection.execute(script: "TRUNCATE analytics.budgets")
        try connection.query("INSERT INTO analytics.budgets (name, scope, monthly_amount) VALUES ('tiny', 'organization', 0.01)")
        // A project budget names its project (the name as a directory refresh would have stored it).
        let project = simulator.organization.projects[0].id
        try connection.query("UPDATE warehouse.dim_project SET name = 'Alerting project' WHERE natural_id = $1", [.text(project)])
        try connection.query("INSERT INTO analytics.budgets (name, scope, project_id, monthly_amount) VALUES ('tiny project', 'project', $1, 0.01)",
                             [.text(project)])
        let (status, output) = try CLITests().run(["alerts", "--json", "--at", "2025-12-20T12:00:00Z"],
                                                 environment: ["DATABASE_URL": databaseURL])
        #expect(status == 1, "\(output)")
        let document = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        let alerts = document?["alerts"] as? [[String: Any]] ?? []
        #expect(alerts.contains { $0["kind"] as? String == "budget" && $0["severity"] as? String == "critical" && $0["status"] as? String == "over" })
        #expect(alerts.contains { $0["project_id"] as? String == project && $0["project_name"] as? String == "Alerting project" })
        #expect(alerts.contains { $0["scope"] as? String == "organization" && $0["project_name"] is NSNull })
        try connection.execute(script: "TRUNCATE analytics.budgets")
        let quiet = try CLITests().run(["alerts", "--at", "2025-12-20T12:00:00Z", "--days", "1"], environment: ["DATABASE_URL": databaseURL])
        #expect(quiet.1.contains("alerts:"), "\(quiet.1)")
    }

    @Test func analystRoleReadsAnalyticsOnlyAndWritesNothing() throws {
        let analyst = try PostgresConnection(databaseURL)
        try analyst.execute(script: "SET ROLE usage_etl_analyst")
        #expect(try analyst.query("SELECT count(*) > 0 FROM analytics.costs").scalar == "t")
        #expect(try analyst.query("SELECT count(*) >= 0 FROM analytics.budget_status").scalar == "t")
        for view in ["projects", "users", "api_keys", "service_accounts", "directory_changes"] {
            #expect(try analyst.query("SELECT count(*) >= 0 FROM analytics.\(view)").scalar == "t", "\(view)")
        }
        for statement in ["SELECT * FROM warehouse.service_accounts LIMIT 1", "SELECT * FROM warehouse.dim_api_key LIMIT 1",
                          "SELECT * FROM etl.directory_refreshes LIMIT 1", "SELECT warehouse.apply_directory('x', '{}')",
                          "UPDATE analytics.projects SET name = 'x'","SELECT * FROM raw.pages LIMIT 1", "SELECT * FROM raw.bodies LIMIT 1", "SELECT * FROM etl.windows LIMIT 1",
                          "SELECT * FROM etl.runs LIMIT 1", "SELECT * FROM warehouse.fact_costs LIMIT 1",
                          "SELECT * FROM warehouse.local_usage LIMIT 1",
                          "INSERT INTO analytics.budgets (scope, monthly_amount) VALUES ('organization', 1)",
                          "DELETE FROM analytics.reconciliation_settings", "CREATE TABLE analytics.mine (x int)",
                          "CREATE TABLE public.mine (x int)", "CREATE VIEW analytics.v AS SELECT 1"] {
            do {
                _ = try analyst.query(statement)
                Issue.record("the analyst role could run: \(statement)")
            } catch let error as PostgresError {
                #expect(error.sqlState == "42501", "\(statement): \(error)")
            }
        }
        #expect(try analyst.query("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'usage_etl_analyst'").scalar == "f")
    }

    @Test func importLocalIsIdempotentRejectsBadLinesAndReconciles() throws {
        // The quietest (day, model) of completions, logged locally one line per request.
        let query = UsageQuery(endpoint: EndpointCatalog.completions, startTime: Self.range.end - 30 * 86_400, endTime: Self.range.end,
                               groupBy: [.model])
        var candidates: [(day: Int64, model: String, input: Int64, output: Int64, requests: Int64)] = []
        for bucket in simulator.groundTruth.buckets(query, now: Self.now) {
            for result in bucket.results {
                guard case .count(let requests)? = result.values["num_model_requests"], requests > 0,
                      case .count(let input)? = result.values["input_tokens"], case .count(let output)? = result.values["output_tokens"],
                      let model = result.dimensions[.model] ?? nil else { continue }
                candidates.append((bucket.startTime, model, input, output, requests))
            }
        }
        let exact = try #require(candidates.min { $0.requests < $1.requests })
        let short = try #require(candidates.filter { $0.day != exact.day || $0.model != exact.model }.min { $0.requests < $1.requests })
        func lines(_ c: (day: Int64, model: String, input: Int64, output: Int64, requests: Int64), scale: Double) -> [String] {
            let n = c.requests
            return (0..<n).map { i in
                let input = Int64(Double(c.input / n + (i < c.input % n ? 1 : 0)) * scale)
                let output = Int64(Double(c.output / n + (i < c.output % n ? 1 : 0)) * scale)
                return #"{"timestamp":"\#(UTCTime.format(c.day + 3600 + i))","model":"\#(c.model)","input_tokens":\#(input),"output_tokens":\#(output),"project":"proj_local"}"#
            }
        }
        var text = lines(exact, scale: 1) + lines(short, scale: 0.9)
        text.insert("{not json", at: 1)
        text.insert(#"{"timestamp":"2025-12-01T00:00:00Z","model":"gpt-4o","input_tokens":-3,"output_tokens":1}"#, at: 3)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("local-\(UUID().uuidString).ndjson")
        try (text.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        try connection.execute(script: "TRUNCATE warehouse.local_usage")

        let first = try CLITests().run(["import-local", file.path], environment: ["DATABASE_URL": databaseURL])
        #expect(first.0 == 1, "\(first.1)")
        #expect(first.1.contains("\(file.path):2: not JSON") && first.1.contains("\(file.path):4: 'input_tokens' must be a non-negative integer"),
                "\(first.1)")
        let total = Int(exact.requests + short.requests)
        #expect(try scalar("SELECT count(*) FROM warehouse.local_usage") == String(total))
        let again = try CLITests().run(["import-local", file.path], environment: ["DATABASE_URL": databaseURL])
        #expect(again.1.contains("0 new"), "\(again.1)")
        #expect(try scalar("SELECT count(*) FROM warehouse.local_usage") == String(total))

        let row = try connection.query("""
            SELECT reconciled::text, input_token_difference::text, request_difference::text FROM analytics.local_reconciliation
            WHERE day = to_timestamp($1)::date AND model = $2
            """, [.int64(exact.day), .text(exact.model)])
        #expect(row.rows.first == ["true", "0", "0"])
        let off = try connection.query("""
            SELECT reconciled::text, input_token_difference_pct::float8 FROM analytics.local_reconciliation
            WHERE day = to_timestamp($1)::date AND model = $2
            """, [.int64(short.day), .text(short.model)])
        #expect(off.rows.first?[0] == "false")
        #expect(abs((Double(off.rows.first?[1] ?? "0") ?? 0) - 10) < 1)
    }
}
