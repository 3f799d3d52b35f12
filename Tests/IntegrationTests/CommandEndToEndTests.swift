import Foundation
import Pipeline
import Postgres
import Simulator
import TestSupport
import Testing
import UsageAPI
import Warehouse

/// The `usage-etl` binary end to end against the simulator and a real PostgreSQL, as a scheduler
/// runs it: pipelines, metrics, JSON logs, concurrent syncs, SIGTERM, replay.
@Suite("usage-etl commands end to end", .serialized)
struct CommandEndToEndTests {
    static let key = "sk-admin-simulator-key"
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    let simulator: APISimulator
    let baseURL: String
    let databaseURL: String
    let connection: PostgresConnection
    let scratch: URL
    /// Whole days that ended before today: stable under the simulator's real clock.
    let today = Int64(Date().timeIntervalSince1970) / 86_400 * 86_400

    init() throws {
        let harness = try SimulatorHarness(database: "test_commands")
        (simulator, databaseURL, connection) = (harness.simulator, harness.databaseURL, harness.connection)
        baseURL = simulator.baseURL!
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("usage-etl-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        UsageETLProcess.environment(baseURL: baseURL, databaseURL: databaseURL, key: Self.key,
                                    ["OPENAI_ORGANIZATION": "org-test"].merging(extra) { $1 })
    }

    func start(_ arguments: [String], _ extra: [String: String] = [:]) throws -> UsageETLProcess {
        try UsageETLProcess(arguments, environment: environment(extra))
    }

    func run(_ arguments: [String], _ extra: [String: String] = [:]) throws -> (Int32, String) {
        try start(arguments, extra).wait()
    }

    func truth(_ endpoint: Endpoint, _ metric: String, from: Int64, to: Int64, width: BucketWidth = .day) -> Int64 {
        simulator.groundTruth.buckets(UsageQuery(endpoint: endpoint, startTime: from, endTime: to, width: width), now: simulator.now)
            .flatMap(\.results).reduce(Int64(0)) { if case .count(let v) = $1.values[metric] { $0 + v } else { $0 } }
    }

    func loaded(_ table: String, _ metric: String, from: Int64, to: Int64, width: String = "1d") throws -> String {
        try connection.query("""
            SELECT coalesce(sum(\(metric)), 0)::text FROM warehouse.\(table)
            WHERE bucket_start >= to_timestamp($1) AND bucket_start < to_timestamp($2) AND bucket_width = $3
            """, [.int64(from), .int64(to), .text(width)]).scalar!
    }

    @Test(arguments: [
        ("name = \"broken\nstreams = 3", "not valid TOML at line"),
        ("name = \"x\"\ncolour = \"blue\"\n[[streams]]\nendpoint = \"costs\"", "unknown key 'colour'"),
        ("[[streams]]\nendpoint = \"chat\"", "endpoint 'chat' is unknown"),
        ("[[streams]]\nendpoint = \"costs\"\nbucket_width = \"1h\"", "costs does not support bucket width 1h"),
        ("[[streams]]\nendpoint = \"images\"\ngroup_by = [\"line_item\"]", "group_by 'line_item' is not supported by images"),
        ("lookback = \"two days\"\n[[streams]]\nendpoint = \"images\"", "lookback 'two days' is not a duration"),
        ("name = \"empty\"", "no [[streams]]"),
    ])
    func malformedPipelineFilesExitTwoNamingTheProblem(toml: String, message: String) throws {
        let file = scratch.appendingPathComponent("pipeline-\(UUID().uuidString).toml")
        try toml.write(to: file, atomically: true, encoding: .utf8)
        let (status, output) = try run(["sync", "--pipeline", file.path])
        #expect(status == 2)
        #expect(output.contains(message) && output.contains(file.path), "\(output)")
        #expect(simulator.requestCount() == 0, "rejected before any request")
    }

    @Test func shippedPipelinesParseAndTheBuiltInDefaultIsDaily() throws {
        let daily = try PipelineDefinition(toml: String(contentsOf: Self.repository.appendingPathComponent("Pipelines/daily.toml"), encoding: .utf8),
                                           source: "daily.toml")
        #expect(daily.streams.map(\.endpoint.name) == EndpointCatalog.all.map(\.name))
        #expect(daily.streams.allSatisfy { $0.width == .day && $0.groupBy == $0.endpoint.groupBy })
        #expect(try PipelineDefinition.builtIn("daily") == daily)
        let hourly = try PipelineDefinition(toml: String(contentsOf: Self.repository.appendingPathComponent("Pipelines/hourly.toml"), encoding: .utf8),
                                            source: "hourly.toml")
        #expect(hourly.streams.allSatisfy { $0.width == .hour })
        #expect(hourly.streams.count == EndpointCatalog.all.count - 1)
    }

    @Test func backfillWithAPipelineWritesMetricsAndJSONLogs() throws {
        let metrics = scratch.appendingPathComponent("usage_etl.prom")
        let (from, to) = (today - 3 * 86_400, today - 86_400)
        let (status, output) = try run([
            "backfill", "--pipeline", Self.repository.appendingPathComponent("Pipelines/hourly.toml").path, "--endpoint", "embeddings",
            "--since", UTCTime.format(from), "--until", UTCTime.format(to), "--metrics-file", metrics.path, "--log-format", "json",
            "--requests-per-minute", "6000",
        ])
        #expect(status == 0, "\(output)")
        #expect(try loaded("fact_embeddings", "input_tokens", from: from, to: to, width: "1h")
                == String(truth(EndpointCatalog.embeddings, "input_tokens", from: from, to: to, width: .hour)))
        // Every log line is one JSON object; the summary goes to stdout as plain text.
        let logLines = output.split(separator: "\n").filter { !$0.hasPrefix("backfill:") }
        #expect(!logLines.isEmpty)
        for line in logLines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] != nil && object?["message"] != nil, "not a JSON log line: \(line)")
        }
        #expect(!output.contains(Self.key))
        let text = try String(contentsOf: metrics, encoding: .utf8)
        let rows = try connection.query("SELECT count(*) FROM warehouse.fact_embeddings").scalar!
        #expect(text.contains("usage_etl_rows_loaded{command=\"backfill\"} \(rows)"), "\(text)")
        #expect(text.contains("usage_etl_windows{command=\"backfill\",outcome=\"done\"} 1"))
        #expect(text.contains("usage_etl_failures{command=\"backfill\"} 0"))
        #expect(text.contains("# TYPE usage_etl_last_success_timestamp_seconds gauge"))
        #expect(!text.contains("usage_etl_last_success_timestamp_seconds{command=\"backfill\"} 0\n"))
    }

    @Test func fourConcurrentSyncsNeverFetchAWindowTwiceAtOnceAndLoadExactly() throws {
        simulator.configure { $0.faults.latencyMilliseconds = 40 }
        let arguments = ["sync", "--endpoint", "embeddings", "--endpoint", "moderations", "--endpoint", "images",
                         "--initial-days", "40", "--bucket-width", "1d", "--requests-per-minute", "6000", "--parallelism", "2"]
        let commands = try (0..<4).map { _ in try start(arguments) }
        let results = commands.map { $0.wait() }
        for (status, output) in results { #expect(status == 0, "\(output)") }
        #expect(simulator.maxSameWindowInFlight == 1)
        let from = today - 35 * 86_400
        for (endpoint, table, metric) in [(EndpointCatalog.embeddings, "fact_embeddings", "input_tokens"),
                                          (EndpointCatalog.moderations, "fact_moderations", "input_tokens"),
                                          (EndpointCatalog.images, "fact_images", "images")] {
            #expect(try loaded(table, metric, from: from, to: today) == String(truth(endpoint, metric, from: from, to: today)), "\(endpoint.name)")
        }
        #expect(try connection.query("SELECT count(*) FROM etl.windows WHERE state <> 'done'").scalar == "0")
        let runs = try connection.query("SELECT count(*) FROM etl.runs WHERE command = 'sync' AND outcome = 'succeeded'").scalar
        #expect(runs == "4")
    }

    @Test func sigtermMidBackfillExitsNonZeroAndRerunCompletesIt() throws {
        simulator.configure { $0.faults.latencyMilliseconds = 100 }
        let (from, to) = (today - 12 * 86_400, today - 2 * 86_400)
        let arguments = ["backfill", "--since", UTCTime.format(from), "--until", UTCTime.format(to), "--endpoint", "embeddings",
                         "--endpoint", "moderations", "--page-limit", "1", "--parallelism", "1", "--requests-per-minute", "6000"]
        let first = try start(arguments)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, (Int(try connection.query("SELECT coalesce(sum(pages_fetched), 0) FROM etl.windows").scalar ?? "0") ?? 0) < 3 {
            usleep(10_000)
        }
        kill(first.process.processIdentifier, SIGTERM)
        let (status, output) = first.wait()
        #expect(status == 1, "\(output)")
        #expect(output.contains("interrupted"), "\(output)")
        #expect(try connection.query("SELECT outcome FROM etl.runs ORDER BY run_id DESC LIMIT 1").scalar == "interrupted")
        // No window is left claimed or half-loaded: rerun and a second backfill finish the work.
        let rerun = try run(["rerun", "--failed", "--requests-per-minute", "6000"])
        #expect(rerun.0 == 0, "\(rerun.1)")
        let again = try run(arguments)
        #expect(again.0 == 0, "\(again.1)")
        #expect(try loaded("fact_embeddings", "input_tokens", from: from, to: to)
                == String(truth(EndpointCatalog.embeddings, "input_tokens", from: from, to: to)))
        #expect(try loaded("fact_moderations", "input_tokens", from: from, to: to)
                == String(truth(EndpointCatalog.moderations, "input_tokens", from: from, to: to)))
        #expect(try connection.query("SELECT count(*) FROM etl.windows WHERE state <> 'done'").scalar == "0")
    }

    @Test func replayNeedsNoKeyAndNoNetwork() throws {
        let (from, to) = (today - 5 * 86_400, today - 86_400)
        let backfill = try run(["backfill", "--since", UTCTime.format(from), "--until", UTCTime.format(to), "--endpoint", "images",
                                "--requests-per-minute", "6000"])
        #expect(backfill.0 == 0, "\(backfill.1)")
        let expected = try loaded("fact_images", "images", from: from, to: to)
        try connection.execute(script: "TRUNCATE warehouse.fact_images")
        let requests = simulator.requestCount()
        let replay = try run(["replay", "--since", UTCTime.format(from), "--until", UTCTime.format(to), "--endpoint", "images"],
                             ["OPENAI_ADMIN_KEY": "", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"])
        #expect(replay.0 == 0, "\(replay.1)")
        #expect(replay.1.contains("replay: 1 windows loaded"))
        #expect(try loaded("fact_images", "images", from: from, to: to) == expected)
        #expect(simulator.requestCount() == requests)
    }

    /// Issue 16, case 8: rows first filed under the placeholder move to the organization once it is
    /// known (from the API or from OPENAI_ORGANIZATION), and are never in the warehouse twice.
    @Test func learningTheOrganizationLaterNeverDoublesItsRows() throws {
        let (from, to) = (today - 10 * 86_400, today - 2 * 86_400)
        let arguments = ["backfill", "--since", UTCTime.format(from), "--until", UTCTime.format(to), "--endpoint", "costs",
                         "--endpoint", "embeddings", "--requests-per-minute", "6000"]
        func organizations() throws -> [String?] {
            try connection.query("SELECT DISTINCT organization_id FROM analytics.costs ORDER BY 1").rows.map { $0[0] }
        }
        func totals() throws -> [String?] {
            try connection.query("""
                SELECT (SELECT sum(amount)::text FROM analytics.costs), (SELECT sum(input_tokens)::text FROM analytics.embeddings_usage)
                """).rows[0]
        }
        // The probe finds no organization id: rows go under the placeholder, and the run says so.
        simulator.configure { $0.faults.omitOrganizationID = true }
        let first = try run(arguments, ["OPENAI_ORGANIZATION": ""])
        #expect(first.0 == 0, "\(first.1)")
        #expect(first.1.contains("Set OPENAI_ORGANIZATION"))
        #expect(try organizations() == ["default"])
        let expected = try totals()
        #expect(expected[1] == String(truth(EndpointCatalog.embeddings, "input_tokens", from: from, to: to)))
        // A later run learns it from the API: the rows move, nothing is loaded twice.
        simulator.configure { $0.faults.omitOrganizationID = false }
        let second = try run(arguments + ["--refetch"], ["OPENAI_ORGANIZATION": ""])
        #expect(second.0 == 0, "\(second.1)")
        let learned = try organizations()
        #expect(learned.count == 1 && learned.first != "default", "\(learned)")
        #expect(try totals() == expected)
        #expect(try connection.query("SELECT count(*) FROM etl.streams WHERE organization = 'default'").scalar == "0")
        // Set by the operator afterwards: the same organization, still once.
        let organization = learned.first.flatMap { $0 } ?? ""
        let third = try run(["sync", "--endpoint", "costs", "--endpoint", "embeddings", "--initial-days", "12", "--skip-dimensions",
                             "--requests-per-minute", "6000"], ["OPENAI_ORGANIZATION": organization])
        #expect(third.0 == 0, "\(third.1)")
        #expect(try organizations() == [organization])
        let after = try connection.query("""
            SELECT (SELECT sum(amount)::text FROM analytics.costs WHERE bucket_start >= to_timestamp($1) AND bucket_start < to_timestamp($2)),
                   (SELECT sum(input_tokens)::text FROM analytics.embeddings_usage WHERE bucket_start >= to_timestamp($1) AND bucket_start < to_timestamp($2))
            """, [.int64(from), .int64(to)]).rows[0]
        #expect(after == expected)
        // The key is remembered by a one-way fingerprint only.
        let remembered = try connection.query("SELECT key_fingerprint, organization FROM etl.key_organizations").rows
        #expect(remembered.count == 1 && remembered[0][1] == organization)
        #expect(remembered[0][0]?.contains(Self.key) == false && remembered[0][0]?.count == 64)
    }
}
