import Foundation
import Postgres
import Simulator
import TestSupport
import Testing
import UsageAPI

/// Issue 21: `usage-etl report`, run as a role that reads only `analytics`, opened in headless
/// Chromium (scripts/browser_check.py): no console error, no request leaving the page, at least six
/// charts each with a title, axis labels and a legend, a screenshot at 1280 px in .build/, and the
/// figures embedded in the page equal to the views' for the same range, to the cent.
@Suite("usage-etl report in a real browser", .serialized)
struct ReportTests {
    static let repository = Scratch.repository
    static let screenshot = repository.appendingPathComponent(".build/report-1280.png")

    let harness: SimulatorHarness
    let simulator: APISimulator
    let databaseURL: String
    let connection: PostgresConnection
    let scratch: URL
    let today = Scratch.today

    init() throws {
        harness = try SimulatorHarness(database: "test_report")
        (simulator, databaseURL, connection) = (harness.simulator, harness.databaseURL, harness.connection)
        scratch = try Scratch.directory("usage-etl-report")
    }

    /// The warehouse URL for `role` (the private cluster trusts local connections).
    func url(as role: String) -> String {
        databaseURL.replacingOccurrences(of: "user=postgres", with: "user=\(role)")
    }

    @Test func theReportOpensCleanlyInChromiumAndItsFiguresEqualTheViews() throws {
        // Data: this month and the last (the default range), names, budgets and local logs.
        let environment = harness.environment()
        let since = UTCTime.format(today - 40 * 86_400)
        let load = try UsageETLProcess.run(["backfill", "--since", since, "--until", UTCTime.format(today), "--requests-per-minute", "6000",
                                            "--endpoint", "costs", "--endpoint", "completions", "--endpoint", "embeddings", "--endpoint", "decisions"],
                                           environment: environment)
        #expect(load.0 == 0, "\(load.1)")
        #expect(try UsageETLProcess.run(["dimensions", "--requests-per-minute", "6000"], environment: environment).0 == 0)
        let model = try #require(try connection.query("SELECT model FROM analytics.daily_tokens WHERE endpoint = 'completions' LIMIT 1").scalar)
        let day = UTCTime.format(today - 2 * 86_400)
        let log = scratch.appendingPathComponent("app.ndjson")
        try (0..<20).map { "{\"timestamp\": \"\(day)\", \"model\": \"\(model)\", \"input_tokens\": \(1000 + $0), \"output_tokens\": 50}" }
            .joined(separator: "\n").write(to: log, atomically: true, encoding: .utf8)
        #expect(try UsageETLProcess.run(["import-local", log.path], environment: environment).0 == 0)
        try connection.execute(script: """
            INSERT INTO analytics.budgets (name, scope, monthly_amount) VALUES ('Whole organization', 'organization', 5000);
            INSERT INTO analytics.budgets (name, scope, project_id, monthly_amount)
            SELECT 'Top project', 'project', project_id, 100 FROM analytics.daily_spend GROUP BY project_id ORDER BY sum(amount) DESC LIMIT 1;
            DO $$ BEGIN CREATE ROLE report_reader LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
            GRANT usage_etl_analyst TO report_reader;
            -- West of UTC: the report's days are UTC days all the same.
            ALTER ROLE report_reader SET timezone = 'America/New_York';
            -- A name that would end or confuse the embedded figures if it were not escaped.
            UPDATE warehouse.dim_project SET name = '<!--<script>alert(1)</script> & "Bot"'
            WHERE natural_id = (SELECT project_id FROM analytics.daily_spend GROUP BY project_id ORDER BY sum(amount) DESC LIMIT 1);
            """)

        // The role reads analytics, and nothing else.
        let reader = try PostgresConnection(url(as: "report_reader"))
        #expect(throws: (any Error).self) { try reader.query("SELECT count(*) FROM warehouse.fact_costs") }
        #expect(throws: (any Error).self) { try reader.query("SELECT count(*) FROM etl.windows") }

        let page = scratch.appendingPathComponent("usage-report.html")
        let readerEnvironment = ["PATH": "/usr/bin:/bin", "DATABASE_URL": url(as: "report_reader")]
        let (status, output) = try UsageETLProcess.run(["report", "--out", page.path], environment: readerEnvironment)
        #expect(status == 0, "\(output)")
        #expect(output.contains("report: wrote \(page.path)"), "\(output)")
        let html = try String(contentsOf: page, encoding: .utf8)
        // Self-contained: nothing fetched, no script, no font from elsewhere.
        for reference in ["src=", "href=", "@import", "url(", "<link", "<script src", "https://"] {
            #expect(!html.contains(reference), "the page refers to something outside it: \(reference)")
        }

        // A real browser: no console error, no request, the charts whole; a screenshot for people.
        let checker = Process()
        checker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        checker.arguments = ["python3", Self.repository.appendingPathComponent("scripts/browser_check.py").path, page.path,
                             "--screenshot", Self.screenshot.path, "--width", "1280"]
        let pipe = Pipe()
        checker.standardOutput = pipe
        try checker.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        checker.waitUntilExit()
        #expect(checker.terminationStatus == 0, "browser_check.py failed: \(String(decoding: data, as: UTF8.self))")
        let seen = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((seen["requests"] as? [Any])?.isEmpty == true, "requests left the page: \(seen["requests"] ?? "")")
        #expect((seen["console"] as? [Any])?.isEmpty == true, "console: \(seen["console"] ?? "")")
        let charts = try #require(seen["charts"] as? [[String: Any]])
        #expect(charts.count >= 6, "\(charts.count) charts")
        for chart in charts {
            let title = chart["title"] as? String ?? ""
            #expect(!title.isEmpty)
            #expect((chart["axisLabels"] as? [String])?.count ?? 0 >= 2, "\(title): axis labels")
            #expect(!((chart["legend"] as? [String]) ?? []).isEmpty, "\(title): legend")
            #expect((chart["tooltips"] as? Int) ?? 0 > 0, "\(title): tooltips")
        }
        #expect(FileManager.default.fileExists(atPath: Self.screenshot.path))

        // The figures in the page are the views' for the same range, to the cent.
        let figures = try #require(seen["figures"] as? [String: Any])
        let range = [PostgresValue.text(try #require(figures["since"] as? String)), .text(try #require(figures["until"] as? String))]
        let totals = try #require(figures["totals"] as? [String: Any])
        let spend = try #require(try connection.query("""
            SELECT sum(amount)::text FROM analytics.costs WHERE currency = 'usd' AND bucket_start >= $1::date AND bucket_start < $2::date
            """, range).scalar)
        #expect(Decimal(string: try #require(totals["spend"] as? String)) == Decimal(string: spend), "spend \(totals["spend"] ?? "") vs \(spend)")
        let tokens = try connection.query("""
            SELECT sum(input_tokens)::text, sum(output_tokens)::text, sum(num_model_requests)::text FROM analytics.completions_usage
            WHERE bucket_width = '1d' AND bucket_start >= $1::date AND bucket_start < $2::date
            """, range).rows.first
        #expect((totals["completionsInputTokens"] as? Int).map(String.init) == tokens?[0] ?? nil)
        #expect((totals["completionsOutputTokens"] as? Int).map(String.init) == tokens?[1] ?? nil)
        #expect((totals["completionsRequests"] as? Int).map(String.init) == tokens?[2] ?? nil)
        // Each day's stacked spend adds up to the view's day.
        let daily = try #require(figures["dailySpendByProject"] as? [String: Any])
        let days = try #require(daily["days"] as? [String])
        let series = try #require(daily["series"] as? [[String: Any]])
        var byDay: [String: Decimal] = [:]
        for s in series {
            for (i, value) in ((s["values"] as? [String]) ?? []).enumerated() { byDay[days[i], default: 0] += Decimal(string: value) ?? -1 }
        }
        for row in try connection.query("""
            SELECT day::text, sum(amount)::text FROM analytics.daily_spend WHERE currency = 'usd' AND day >= $1::date AND day < $2::date GROUP BY 1
            """, range).rows {
            #expect(byDay[row[0] ?? ""] == Decimal(string: row[1] ?? ""), "daily spend of \(row[0] ?? "")")
        }
        // Month to date (its complete days) against the view.
        let headline = try #require(figures["headline"] as? [String: Any])
        let month = try #require(headline["month"] as? String)
        let toDate = try connection.query("""
            SELECT coalesce(sum(amount), 0)::text FROM analytics.daily_spend WHERE currency = 'usd' AND day >= $1::date AND day < $2::date
            """, [.text(month), .text(String((try #require(figures["asOf"] as? String)).prefix(10)))]).scalar
        #expect(Decimal(string: headline["monthToDate"] as? String ?? "") == Decimal(string: toDate ?? ""))
        #expect(((figures["dailySpendByProject"] as? [String: Any])?["series"] as? [[String: Any]])?
            .contains { ($0["name"] as? String)?.hasPrefix("<!--<script>") == true } == true, "the hostile name survives, escaped")
        #expect((figures["budgets"] as? [Any])?.count == 2)
        #expect((figures["reconciliation"] as? [Any])?.isEmpty == false)
        #expect(((figures["topAPIKeys"] as? [[String: Any]])?.first?["name"] as? String) != nil, "keys have their names")

        // --json writes the same figures the page embeds.
        let (jsonStatus, json) = try UsageETLProcess.run(["report", "--json"], environment: readerEnvironment)
        #expect(jsonStatus == 0)
        // Taken a moment later: the figures that depend on the clock (the moment, the projections
        // from fractional days elapsed) are compared apart.
        var written = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        var embedded = figures
        for key in ["asOf", "headline", "budgets"] {
            written.removeValue(forKey: key)
            embedded.removeValue(forKey: key)
        }
        #expect(written as NSDictionary == embedded as NSDictionary)
    }
}
