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

/// Extract and load against the simulator over loopback and a real PostgreSQL.
@Suite("Extract and load end to end", .serialized)
struct EndToEndTests {
    static let now: Int64 = 1_767_225_600 + 12 * 3600 // 2026-01-01T12:00:00Z
    static let range = TimeRange(start: 1_767_225_600 - 10 * 86_400, end: 1_767_225_600)

    let simulator: APISimulator
    let databaseURL: String
    let connection: PostgresConnection

    init() throws {
        let harness = try SimulatorHarness(database: "test_end_to_end", now: Self.now)
        (simulator, databaseURL, connection) = (harness.simulator, harness.databaseURL, harness.connection)
    }

    func runner(key: String = "sk-admin-simulator-key") -> Runner {
        var api = APIConfiguration(baseURL: simulator.baseURL!, adminKey: key)
        api.requestsPerMinute = 60_000
        api.baseBackoff = 0.01
        api.maxAttempts = 8
        return Runner(databaseURL: databaseURL, api: api, parallelism: 2, logger: Logger(label: "test"), clock: { Self.now })
    }

    func backfill(_ specs: [StreamSpec], refetch: Bool = false, key: String = "sk-admin-simulator-key") throws -> RunSummary {
        let runner = runner(key: key)
        return runner.run(try runner.plan(specs, range: Self.range, refetch: refetch, connection: connection), refetch: refetch)
    }

    static let completions = StreamSpec.finest(EndpointCatalog.completions, width: .day, organization: "org-test")
    static let costs = StreamSpec(organization: "org-test", endpoint: EndpointCatalog.costs, width: .day, groupBy: [.projectID, .lineItem])

    func truthTotal(_ endpoint: Endpoint, metric: String) -> Int64 {
        simulator.groundTruth.buckets(UsageQuery(endpoint: endpoint, startTime: Self.range.start, endTime: Self.range.end), now: Self.now)
            .flatMap(\.results).reduce(0) { if case .count(let v) = $1.values[metric] { $0 + v } else { $0 } }
    }

    func truthCostTotal() -> String {
        var exact = Decimal(0)
        for bucket in simulator.groundTruth.buckets(UsageQuery(endpoint: EndpointCatalog.costs, startTime: Self.range.start,
                                                               endTime: Self.range.end, groupBy: [.projectID, .lineItem]), now: Self.now) {
            for result in bucket.results { if case .decimal(let text) = result.values["amount"] { exact += Decimal(string: text)! } }
        }
        return exact.description
    }

    func warehouseRows(_ table: String) throws -> Int { Int(try connection.query("SELECT count(*) FROM warehouse.\(table)").scalar!)! }

    @Test func backfillMatchesGroundTruthExactly() throws {
        let summary = try backfill([Self.completions, Self.costs])
        #expect(summary.windowsFailed == 0)
        #expect(summary.windowsDone == 2)
        let tokens = try connection.query("SELECT sum(input_tokens)::text, sum(num_model_requests)::text FROM warehouse.fact_completions")
        #expect(tokens.rows[0][0] == String(truthTotal(EndpointCatalog.completions, metric: "input_tokens")))
        #expect(tokens.rows[0][1] == String(truthTotal(EndpointCatalog.completions, metric: "num_model_requests")))
        let amount = try connection.query("SELECT sum(amount)::text FROM warehouse.fact_costs").scalar!
        #expect(Decimal(string: amount) == Decimal(string: truthCostTotal()))
        // Finest grouping: every row has real keys or the explicit none member, never NULL.
        #expect(try connection.query("SELECT count(*) FROM warehouse.fact_completions WHERE user_key = -1").scalar != "0")
        // Requests equal the minimum the caps allow: 10 days at 1d fit one window each.
        #expect(simulator.requestCount(endpoint: "completions") == 1)
        #expect(simulator.requestCount(endpoint: "costs") == 1)
    }

    @Test func loadingTwiceWritesNothing() throws {
        _ = try backfill([Self.completions])
        let rows = try warehouseRows("fact_completions")
        // Table statistics arrive asynchronously from the workers' sessions: wait until the load shows.
        func statistics() throws -> [String?] {
            try connection.query("SELECT pg_stat_clear_snapshot()")
            return try connection.query("""
                SELECT sum(n_tup_upd)::text, sum(n_tup_del)::text, sum(n_tup_ins)::text FROM pg_stat_user_tables
                WHERE schemaname = 'warehouse' AND relname LIKE 'fact_completions%'
                """).rows[0]
        }
        var before = try statistics()
        for _ in 0..<100 where Int(before[2] ?? "0") ?? 0 < rows {
            usleep(100_000)
            before = try statistics()
        }
        try #require(Int(before[2] ?? "0") == rows, "statistics never showed the first load")
        let summary = try backfill([Self.completions], refetch: true)
        #expect(summary.windowsDone == 1)
        // Give the second load's sessions time to report, as the first one's did.
        usleep(1_500_000)
        let after = try statistics()
        #expect(before == after)
        #expect(try warehouseRows("fact_completions") == rows)
    }

    @Test func restatementIsReflectedExactly() throws {
        simulator.configure { $0.restateFromHour = (Self.range.end - 3 * 86_400) / 3600 }
        _ = try backfill([Self.completions])
        simulator.restate()
        let summary = try backfill([Self.completions], refetch: true)
        #expect(summary.windowsFailed == 0)
        let loaded = try connection.query("SELECT sum(input_tokens)::text FROM warehouse.fact_completions").scalar
        #expect(loaded == String(truthTotal(EndpointCatalog.completions, metric: "input_tokens")))
        let groups = simulator.groundTruth.buckets(UsageQuery(endpoint: EndpointCatalog.completions, startTime: Self.range.start,
                                                              endTime: Self.range.end, groupBy: Set(EndpointCatalog.completions.groupBy)),
                                                   now: Self.now).reduce(0) { $0 + $1.results.count }
        #expect(try warehouseRows("fact_completions") == groups)
    }

    @Test func transientFaultsAreRetriedToExactData() throws {
        simulator.configure {
            $0.faults.rate = 0.5
            $0.faults.kinds = [.rateLimited, .serverError, .badGateway, .unavailable, .reset, .truncated, .malformed]
        }
        let specs = [EndpointCatalog.embeddings, EndpointCatalog.images, EndpointCatalog.moderations].map {
            StreamSpec.finest($0, width: .day, organization: "org-test")
        }
        let summary = try backfill(specs)
        #expect(summary.windowsFailed == 0)
        #expect(summary.retries > 0)
        let loaded = try connection.query("SELECT sum(images)::text FROM warehouse.fact_images").scalar
        #expect(loaded == String(truthTotal(EndpointCatalog.images, metric: "images")))
    }

    @Test func resultsThatFailToDecodeAtLoadAreFetchedAgainThenFailTheWindowForTheNextRun() throws {
        // A count sent as a string passes the fetch's syntax check and fails when the results are decoded.
        simulator.configure { $0.faults.rate = 1; $0.faults.kinds = [.wrongType] }
        let spec = StreamSpec.finest(EndpointCatalog.images, width: .day, organization: "org-test")
        let requestsBefore = simulator.requestCount()
        let failed = try backfill([spec])
        #expect(failed.windowsFailed > 0 && failed.windowsDone == 0)
        #expect(failed.errors.joined().contains("expected an integer, found string"), "\(failed.errors)")
        #expect(simulator.requestCount() - requestsBefore == 2 * failed.windowsFailed, "each window fetched twice")
        #expect(try connection.query("SELECT count(*) FROM etl.windows WHERE state = 'failed' AND pages_fetched = 0").scalar
                == String(failed.windowsFailed), "the next run fetches them again instead of reloading the archived pages")
        simulator.configure { $0.faults.rate = 0 }
        let summary = try backfill([spec])
        #expect(summary.windowsFailed == 0 && summary.windowsDone == failed.windowsFailed)
        let loaded = try connection.query("SELECT sum(images)::text FROM warehouse.fact_images").scalar
        #expect(loaded == String(truthTotal(EndpointCatalog.images, metric: "images")))
    }

    @Test func liveQuirksLoadExactly() throws {
        simulator.configure {
            $0.faults.costsEmptyPageQuirk = true
            $0.faults.oldSpellings = true
            $0.faults.amountAsString = true
            $0.faults.duplicateResults = true
        }
        let specs = [Self.costs] + [EndpointCatalog.codeInterpreterSessions, EndpointCatalog.embeddings].map {
            StreamSpec.finest($0, width: .day, organization: "org-test")
        }
        let summary = try backfill(specs)
        #expect(summary.windowsFailed == 0)
        // The empty costs page that still says has_more ends the window instead of looping.
        #expect(simulator.requestCount(endpoint: "costs") == 2)
        let amount = try connection.query("SELECT sum(amount)::text FROM warehouse.fact_costs").scalar!
        #expect(Decimal(string: amount) == Decimal(string: truthCostTotal()))
        let sessions = try connection.query("SELECT sum(num_sessions)::text FROM warehouse.fact_code_interpreter_sessions").scalar
        #expect(sessions == String(truthTotal(EndpointCatalog.codeInterpreterSessions, metric: "num_sessions")))
        let tokens = try connection.query("SELECT sum(input_tokens)::text FROM warehouse.fact_embeddings").scalar
        #expect(tokens == String(truthTotal(EndpointCatalog.embeddings, metric: "input_tokens")))
    }

    @Test func nonAdminKeyStopsTheRun() throws {
        let summary = try backfill([Self.completions, Self.costs], key: "sk-proj-not-admin")
        #expect(summary.unauthorized?.contains("not an admin key") == true)
        #expect(summary.windowsDone == 0)
        let stored = try connection.query("SELECT count(*) FROM etl.windows WHERE last_error LIKE '%sk-proj%'").scalar
        #expect(stored == "0")
    }

    @Test func replaySourceIsTheArchive() throws {
        _ = try backfill([Self.completions])
        let pages = try connection.query("SELECT count(*), sum(b.raw_bytes) > sum(b.compressed_bytes) FROM raw.pages JOIN raw.bodies b USING (body_sha256)")
        #expect(pages.rows[0][0] == "1")
        #expect(pages.rows[0][1] == "t")
        let query = try connection.query("SELECT request_query FROM raw.pages").scalar!
        #expect(query.hasPrefix("/organization/usage/completions?start_time="))
        #expect(!query.contains("sk-admin"))
    }
}

extension EndToEndTests {
    @Test func contractViewsShowNaturalIdsAndExactAmounts() throws {
        _ = try backfill([Self.completions, Self.costs])
        // A second, coarser pipeline on the same endpoint must not double count in the view.
        _ = try backfill([StreamSpec(organization: "org-test", endpoint: EndpointCatalog.completions, width: .day, groupBy: [.model])])
        let total = try connection.query("SELECT sum(input_tokens)::text FROM analytics.completions_usage WHERE bucket_width = '1d'").scalar
        #expect(total == String(truthTotal(EndpointCatalog.completions, metric: "input_tokens")))
        let projects = try connection.query("SELECT count(DISTINCT project_id) FROM analytics.completions_usage WHERE project_id LIKE 'proj_%'").scalar
        #expect(projects == String(simulator.organization.projects.count))
        let amount = try connection.query("SELECT sum(amount)::text FROM analytics.costs").scalar!
        #expect(Decimal(string: amount) == Decimal(string: truthCostTotal()))
        let columns = try connection.query("""
            SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns
            WHERE table_schema = 'analytics' AND table_name = 'costs'
            """).scalar
        #expect(columns == "organization_id,bucket_start,bucket_end,bucket_width,project_id,line_item,api_key_id,amount,currency,quantity,quantity_unit")
    }

    @Test func modelNamesThatLookLikeSQLLoadAsData() throws {
        let hostile = "x'); DROP TABLE warehouse.fact_costs; --"
        let page = """
            {"object":"page","data":[{"object":"bucket","start_time":\(Self.range.start),"end_time":\(Self.range.start + 86_400),
            "results":[{"object":"organization.usage.embeddings.result","input_tokens":5,"num_model_requests":1,
            "project_id":"proj_a","user_id":null,"api_key_id":null,"model":"\(hostile.replacingOccurrences(of: "'", with: "'"))"}]}],
            "has_more":false,"next_page":null}
            """
        let decoded = try PageDecoder(endpoint: EndpointCatalog.embeddings).decode(Array(page.utf8))
        let spec = StreamSpec.finest(EndpointCatalog.embeddings, width: .day, organization: "org-test")
        try connection.loadHandcrafted(decoded, spec: spec, window: TimeRange(start: Self.range.start, end: Self.range.start + 86_400))
        #expect(try connection.query("SELECT model FROM analytics.embeddings_usage").scalar == hostile)
        #expect(try connection.query("SELECT to_regclass('warehouse.fact_costs') IS NOT NULL").scalar == "t")
    }

    func snapshot(_ table: String) throws -> String {
        try connection.query("SELECT count(*) || ':' || coalesce(md5(string_agg(f::text, '|' ORDER BY f::text)), '') FROM warehouse.\(table) f").scalar!
    }

    @Test func replayAfterTruncatingRestoresTheFactsExactlyWithoutTheNetwork() throws {
        _ = try backfill([Self.completions, Self.costs])
        let before = try [snapshot("fact_completions"), snapshot("fact_costs")]
        try connection.execute(script: "TRUNCATE warehouse.fact_completions, warehouse.fact_costs")
        let requests = simulator.requestCount()
        simulator.stop()
        let summary = try Replayer(connection: connection, logger: Logger(label: "test")).replay(range: Self.range, endpoints: [])
        #expect(summary.windowsDone == 2 && summary.windowsFailed == 0)
        #expect(try [snapshot("fact_completions"), snapshot("fact_costs")] == before)
        #expect(simulator.requestCount() == requests)
        // Replaying again changes nothing, and --endpoint narrows it.
        let narrowed = try Replayer(connection: connection, logger: Logger(label: "test")).replay(range: Self.range, endpoints: ["costs"])
        #expect(narrowed.windowsDone == 1)
        #expect(try [snapshot("fact_completions"), snapshot("fact_costs")] == before)
    }

    @Test func corruptArchivedPageFailsReplayOfThatWindowAndKeepsItsFacts() throws {
        let embeddings = StreamSpec.finest(EndpointCatalog.embeddings, width: .day, organization: "org-test")
        _ = try backfill([Self.completions, embeddings])
        let before = try [snapshot("fact_completions"), snapshot("fact_embeddings")]
        // Flip bytes inside the compressed completions page.
        try connection.execute(script: """
            UPDATE raw.bodies SET body_zstd = overlay(body_zstd PLACING '\\xdeadbeef'::bytea FROM 40)
            WHERE body_sha256 IN (SELECT body_sha256 FROM raw.pages WHERE endpoint = 'completions')
            """)
        let summary = try Replayer(connection: connection, logger: Logger(label: "test")).replay(range: Self.range, endpoints: [])
        #expect(summary.windowsFailed == 1 && summary.windowsDone == 1)
        let error = summary.errors.joined()
        #expect(error.contains("completions") && error.contains("archived page 0 of window") && error.contains("unusable"), "\(error)")
        #expect(try [snapshot("fact_completions"), snapshot("fact_embeddings")] == before)
        #expect(try connection.query("SELECT count(*) FROM etl.windows WHERE state <> 'done'").scalar == "0")
    }
}
