import Foundation
import Postgres
import Simulator
import TestSupport
import Testing
import UsageAPI

/// Pages and files that are not what they should be, through the real binary: a page that is not
/// JSON fails only its window (located to the byte), a lone surrogate is read as U+FFFD, and
/// nothing ends the process with a signal.
@Suite("Hostile input end to end", .serialized)
struct HostileInputTests {
    static let key = "sk-admin-simulator-key"
    let simulator: APISimulator
    let databaseURL: String
    let connection: PostgresConnection
    /// Three whole days that ended before today, and the middle one's start (the poisoned bucket).
    let since: Int64, until: Int64, poisoned: Int64

    init() throws {
        let harness = try SimulatorHarness(database: "test_hostile")
        (simulator, databaseURL, connection) = (harness.simulator, harness.databaseURL, harness.connection)
        let today = Int64(Date().timeIntervalSince1970) / 86_400 * 86_400
        (since, until, poisoned) = (today - 4 * 86_400, today - 86_400, today - 3 * 86_400)
    }

    func run(_ arguments: [String]) throws -> (Int32, String) {
        try UsageETLProcess.run(arguments, environment: UsageETLProcess.environment(
            baseURL: simulator.baseURL ?? "", databaseURL: databaseURL, key: Self.key,
            ["OPENAI_ORGANIZATION": "org-test", "USAGE_ETL_MAX_ATTEMPTS": "2", "USAGE_ETL_BASE_BACKOFF": "0"]))
    }

    var backfill: [String] {
        ["backfill", "--since", UTCTime.format(since), "--until", UTCTime.format(until),
         "--endpoint", "completions", "--endpoint", "embeddings", "--endpoint", "images", "--endpoint", "costs"]
    }

    func truth(_ endpoint: Endpoint, _ metric: String) -> Int64 {
        simulator.groundTruth.buckets(UsageQuery(endpoint: endpoint, startTime: since, endTime: until, width: .day), now: simulator.now)
            .flatMap(\.results).reduce(Int64(0)) { if case .count(let v) = $1.values[metric] { $0 + v } else { $0 } }
    }

    func loaded(_ view: String, _ metric: String) throws -> Int64 {
        Int64(try connection.query("""
            SELECT coalesce(sum(\(metric)), 0)::text FROM analytics.\(view)
            WHERE bucket_start >= to_timestamp($1) AND bucket_start < to_timestamp($2) AND bucket_width = '1d'
            """, [.int64(since), .int64(until)]).scalar ?? "") ?? -1
    }

    func costsLoaded() throws -> String {
        try connection.query("""
            SELECT coalesce(sum(amount), 0)::text FROM analytics.costs
            WHERE bucket_start >= to_timestamp($1) AND bucket_start < to_timestamp($2)
            """, [.int64(since), .int64(until)]).scalar.flatMap(DecimalText.init)?.text ?? ""
    }

    func costsTruth() -> String {
        var total = DecimalText("0")
        for bucket in simulator.groundTruth.buckets(UsageQuery(endpoint: EndpointCatalog.costs, startTime: since, endTime: until, width: .day),
                                                    now: simulator.now) {
            for result in bucket.results {
                if case .decimal(let text)? = result.values["amount"], let amount = DecimalText(text), let sum = total { total = sum + amount }
            }
        }
        return total?.text ?? "?"
    }

    @Test func aPageThatIsNotJSONFailsOnlyItsWindowAndRerunLoadsIt() throws {
        simulator.configure { $0.faults.poisonedPage = PoisonedPage(endpoint: "completions", bucketStart: poisoned, damage: .invalidEscape) }
        let (status, output) = try run(backfill)
        #expect(status == 1, "\(output)")
        #expect(output.contains("endpoint completions") && output.contains("byte ") && output.contains("invalid escape"), "\(output)")
        // Every other endpoint is exact; the failed window left nothing behind.
        #expect(try loaded("embeddings_usage", "input_tokens") == truth(EndpointCatalog.embeddings, "input_tokens"))
        #expect(try loaded("images_usage", "images") == truth(EndpointCatalog.images, "images"))
        #expect(try costsLoaded() == costsTruth())
        #expect(try loaded("completions_usage", "input_tokens") == 0)

        let (_, report) = try run(["status"])
        #expect(report.contains("failed completions 1d window") && report.contains("byte "), "\(report)")
        let (_, json) = try run(["status", "--json"])
        #expect(json.contains("\"last_failed_window\"") && json.contains("invalid escape"), "\(json)")

        // Still broken: the rerun fails the same way, by an exit code, not a signal.
        let (again, _) = try run(["rerun", "--failed"])
        #expect(again == 1)

        simulator.configure { $0.faults.poisonedPage = nil }
        let (rerun, rerunOutput) = try run(["rerun", "--failed"])
        #expect(rerun == 0, "\(rerunOutput)")
        #expect(try loaded("completions_usage", "input_tokens") == truth(EndpointCatalog.completions, "input_tokens"))
        #expect(try loaded("completions_usage", "output_tokens") == truth(EndpointCatalog.completions, "output_tokens"))
    }

    @Test func aLoneSurrogateInAModelNameIsReadAsAReplacementCharacter() throws {
        simulator.configure { $0.faults.poisonedPage = PoisonedPage(endpoint: "completions", bucketStart: poisoned, damage: .loneSurrogate) }
        let (status, output) = try run(backfill)
        #expect(status == 0, "\(output)")
        for (view, endpoint, metric) in [("completions_usage", EndpointCatalog.completions, "input_tokens"),
                                         ("embeddings_usage", EndpointCatalog.embeddings, "input_tokens"),
                                         ("images_usage", EndpointCatalog.images, "images")] {
            #expect(try loaded(view, metric) == truth(endpoint, metric), "\(view)")
        }
        #expect(try costsLoaded() == costsTruth())
        let damaged = try connection.query("SELECT count(*)::text FROM analytics.completions_usage WHERE model LIKE $1",
                                           [.text("x\u{FFFD}A%")]).scalar
        #expect(damaged == "1")
    }

    @Test func theIssuesReproductionImportsBothLines() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString).ndjson")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"""
            {"timestamp": 1700000000, "model": "x\ud800\u0041", "input_tokens": 1, "output_tokens": 1}
            {"timestamp": 1700000001, "model": "gpt-4o", "input_tokens": 2, "output_tokens": 3}

            """#.utf8).write(to: file)
        let (status, output) = try run(["import-local", file.path])
        #expect(status == 0, "\(output)")
        let models = try connection.query("SELECT model FROM warehouse.local_usage ORDER BY occurred_at").rows.map { $0[0] }
        #expect(models == ["x\u{FFFD}A", "gpt-4o"])

        let broken = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString).ndjson")
        defer { try? FileManager.default.removeItem(at: broken) }
        try Data("not json at all\n{\"timestamp\": 1700000002, \"model\": \"m\", \"input_tokens\": 1, \"output_tokens\": 1}\n".utf8).write(to: broken)
        let (brokenStatus, brokenOutput) = try run(["import-local", broken.path])
        #expect(brokenStatus == 1)
        #expect(brokenOutput.contains("\(broken.path):1: "), "\(brokenOutput)")
    }
}
