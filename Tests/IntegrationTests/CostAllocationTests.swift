import Foundation
import Postgres
import Simulator
import TestSupport
import Testing
import UsageAPI
import Warehouse

/// Issue 22: costs allocated to models, API keys and users, exactly; FOCUS 1.2 rows and their export.
@Suite("cost allocation and FOCUS", .serialized)
struct CostAllocationTests {
    static let repository = Scratch.repository

    let harness: SimulatorHarness
    let simulator: APISimulator
    let databaseURL: String
    let connection: PostgresConnection
    let scratch: URL
    let today = Scratch.today

    init() throws {
        harness = try SimulatorHarness(database: "test_cost_allocation")
        (simulator, databaseURL, connection) = (harness.simulator, harness.databaseURL, harness.connection)
        scratch = try Scratch.directory("usage-etl-focus")
    }

    func run(_ arguments: [String]) throws -> (Int32, String) { try harness.run(arguments) }

    /// (day, project, line item, currency) groups whose allocated amounts do not sum to the cost exactly.
    func mismatchedGroups() throws -> String? {
        try connection.query("""
            SELECT count(*)::text FROM (
                SELECT day, organization_id, project_id, line_item, currency, sum(amount) AS a FROM analytics.cost_allocation GROUP BY 1, 2, 3, 4, 5
            ) x FULL JOIN (
                SELECT (bucket_start AT TIME ZONE 'UTC')::date AS day, organization_id, project_id, line_item, currency, sum(amount) AS a
                FROM analytics.costs WHERE bucket_width = '1d' GROUP BY 1, 2, 3, 4, 5
            ) y USING (day, organization_id, project_id, line_item, currency)
            WHERE x.a IS DISTINCT FROM y.a
            """).scalar
    }

    @Test(arguments: [
        ("gpt-4o-2024-08-06, input", "input_tokens", "completions", "gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18"),
        ("gpt-4o-2024-08-06, cached input", "input_cached_tokens", "decisions", "gpt-4o-2024-08-06", "gpt-4o-2024-05-13"),
        ("ft-gpt-4o-2024-08-06, output", "output_tokens", "completions", "ft:gpt-4o-2024-08-06:acme::abc123", "gpt-4o-2024-08-06"),
        ("evals | gpt-4o-mini-2024-07-18, input", "input_tokens", "completions", "gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06"),
        ("gpt-4o-mini, input", "input_tokens", "completions", "gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06"),
        ("gpt-4.1, output", "output_tokens", "decisions", "gpt-4.1-2025-04-14", "gpt-4x1-2025-04-14"),
        ("text-embedding-3-small, input", "input_tokens", "embeddings", "text-embedding-3-small", "text-embedding-3-large"),
        ("tts-1, characters", "characters", "audio_speeches", "tts-1", "tts-1-hd"),
        ("whisper-1, seconds", "seconds", "audio_transcriptions", "whisper-1", "gpt-4o-transcribe"),
        ("embeddings", "input_tokens", "embeddings", "any", ""),
        ("Image models", "images", "images", "any", ""),
        ("assistants api | file search", "num_requests", "file_search_calls", "any", ""),
        ("File search storage", "usage_bytes", "vector_stores", "any", ""),
        ("ft-o4-mini, output", "output_tokens", "completions", "ft:o4-mini-2025-04-16:acme::abc123", "o4-mini-2025-04-16"),
        ("gpt-3.5-turbo, input", "input_tokens", "completions", "gpt-3.5-turbo-0125", "gpt-3.5-turbo-instruct"),
        ("gpt-4o-2024-08-06, input", "input_tokens", "completions", "GPT-4o-2024-08-06", "gpt-4o-audio-preview-2024-12-17"),
    ])
    func eachLineItemPatternPricesItsUsage(lineItem: String, measure: String, endpoint: String, covers: String, notCovers: String) throws {
        let row = try #require(try connection.query("""
            SELECT array_to_string(endpoints, ','), measure, model_pattern, model_pattern IS NULL OR lower($2) ~ model_pattern,
                   model_pattern IS NOT NULL AND lower($3) ~ model_pattern
            FROM analytics.line_item_rule($1)
            """, [.text(lineItem), .text(covers), .text(notCovers)]).rows.first, "no rule for \(lineItem)")
        #expect(row[1] == measure)
        #expect(row[0]?.split(separator: ",").contains(Substring(endpoint)) == true, "\(row)")
        #expect(row[3] == "t", "\(lineItem) covers \(covers)")
        #expect(row[4] == "f", "\(lineItem) does not cover \(notCovers)")
    }

    @Test(arguments: ["Credits", "Free tier credit grant", "something new, whatever", ""])
    func creditsAndUnknownLineItemsHaveNoRule(lineItem: String) throws {
        #expect(try connection.query("SELECT count(*)::text FROM analytics.line_item_rule($1)", [.text(lineItem)]).scalar == "0")
    }

    @Test func allocationSumsExactlyToTheCostsAndFOCUSExportsThem() throws {
        let (from, to) = (today - 10 * 86_400, today - 86_400)
        let range = ["--since", UTCTime.format(from), "--until", UTCTime.format(to), "--requests-per-minute", "6000"]
        // Everything but embeddings: their line items have no usage to carry them.
        let partial = EndpointCatalog.all.filter { $0 != EndpointCatalog.embeddings }.flatMap { ["--endpoint", $0.name] }
        let first = try run(["backfill"] + range + partial)
        #expect(first.0 == 0, "\(first.1)")
        #expect(try mismatchedGroups() == "0")
        let unallocated = try connection.query("""
            SELECT count(*)::text, count(*) FILTER (WHERE line_item NOT LIKE 'text-embedding%')::text
            FROM analytics.cost_allocation WHERE basis = 'unallocated'
            """).rows.first
        #expect(unallocated?[0] != "0" && unallocated?[1] == "0", "only the embeddings line items are unallocated: \(String(describing: unallocated))")

        // Every endpoint: nothing is left unallocated, keys and users carry the model line items.
        let all = try run(["backfill"] + range + ["--endpoint", "embeddings"])
        #expect(all.0 == 0, "\(all.1)")
        #expect(try mismatchedGroups() == "0")
        let spread = try connection.query("""
            SELECT count(*) FILTER (WHERE basis = 'unallocated')::text, count(DISTINCT api_key_id)::text, count(DISTINCT user_id)::text,
                   count(DISTINCT model)::text
            FROM analytics.cost_allocation
            """).rows.first
        #expect(spread?[0] == "0")
        #expect((Int(spread?[1] ?? "") ?? 0) > 1 && (Int(spread?[2] ?? "") ?? 0) > 1 && (Int(spread?[3] ?? "") ?? 0) > 1, "\(String(describing: spread))")
        // A group's shares are in proportion to the usage, to the 12th decimal.
        let proportional = try connection.query("""
            WITH a AS (
                SELECT a.*, u.quantity FROM analytics.cost_allocation a
                JOIN analytics.priced_quantities u ON u.day = a.day AND u.project_id IS NOT DISTINCT FROM a.project_id
                 AND u.model IS NOT DISTINCT FROM a.model AND u.api_key_id IS NOT DISTINCT FROM a.api_key_id
                 AND u.user_id IS NOT DISTINCT FROM a.user_id AND u.measure = a.basis AND u.endpoint = 'completions'
                WHERE a.line_item LIKE '%, output' AND NOT EXISTS (SELECT 1 FROM analytics.priced_quantities d WHERE d.endpoint = 'decisions'
                      AND d.day = a.day AND d.model = a.model AND d.project_id IS NOT DISTINCT FROM a.project_id)
            )
            SELECT count(*)::text || ' ' || (SELECT count(*) FROM a)::text FROM a
            WHERE abs(amount - (SELECT sum(amount) FROM analytics.cost_allocation b WHERE b.day = a.day AND b.project_id IS NOT DISTINCT FROM a.project_id
                                AND b.line_item = a.line_item) * quantity
                       / (SELECT sum(quantity) FROM a c WHERE c.day = a.day AND c.project_id IS NOT DISTINCT FROM a.project_id
                          AND c.line_item = a.line_item)) > 0.000001
            """).scalar
        #expect(proportional?.hasPrefix("0 ") == true && proportional != "0 0", "off / checked: \(proportional ?? "")")
        let keys = try connection.query("SELECT count(*)::text FROM analytics.api_key_spend WHERE api_key_id IS NOT NULL AND amount > 0").scalar
        #expect(keys != "0")

        // FOCUS: the mandatory columns, BilledCost summing to the costs.
        let columns = try connection.query("""
            SELECT column_name FROM information_schema.columns WHERE table_schema = 'analytics' AND table_name = 'focus_costs'
            """).rows.compactMap { $0.first ?? nil }
        let mandatory = ["BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd",
                         "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargePeriodStart", "ChargePeriodEnd", "ContractedCost",
                         "EffectiveCost", "InvoiceIssuerName", "ListCost", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName",
                         "ServiceCategory", "ServiceName"]
        #expect(Set(mandatory).isSubset(of: columns), "missing: \(Set(mandatory).subtracting(columns))")
        #expect(try connection.query("SELECT (SELECT sum(\"BilledCost\") FROM analytics.focus_costs) = (SELECT sum(amount) FROM analytics.costs)").scalar == "t")

        // The export: CSV that Python's csv module reads back equal to the view; JSON Lines too.
        let csv = scratch.appendingPathComponent("focus.csv"), jsonl = scratch.appendingPathComponent("focus.jsonl")
        let export = try run(["export", "focus", "--since", UTCTime.format(from), "--until", UTCTime.format(to), "--out", csv.path])
        #expect(export.0 == 0, "\(export.1)")
        let exportJSON = try run(["export", "focus", "--since", UTCTime.format(from), "--until", UTCTime.format(to), "--out", jsonl.path,
                                  "--format", "jsonl"])
        #expect(exportJSON.0 == 0, "\(exportJSON.1)")
        var expected: [[String]] = []
        try FocusExport(connection: connection).stream(since: from, until: to, organization: nil, format: .csv, batchSize: 100) { batch in
            expected += batch.map { $0.map { $0 ?? "" } }
        }
        #expect(!expected.isEmpty)
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        reader.arguments = ["python3", "-c", """
            import csv, json, sys
            with open(sys.argv[1], newline='') as f:
                rows = list(csv.reader(f))
            with open(sys.argv[2]) as f:
                objects = [json.loads(line) for line in f]
            print(json.dumps({"header": rows[0], "rows": rows[1:], "jsonl": len(objects),
                              "jsonl_keys": sorted(objects[0].keys()) if objects else [], "first_cost": objects[0]["BilledCost"] if objects else None}))
            """, csv.path, jsonl.path]
        let pipe = Pipe()
        reader.standardOutput = pipe
        try reader.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        reader.waitUntilExit()
        let parsed = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(String(decoding: data, as: UTF8.self))")
        #expect(parsed["header"] as? [String] == FocusExport.columns)
        #expect(parsed["rows"] as? [[String]] == expected, "the CSV read back differs from the view")
        #expect(parsed["jsonl"] as? Int == expected.count)
        #expect(Set(parsed["jsonl_keys"] as? [String] ?? []) == Set(FocusExport.columns))
    }
}
