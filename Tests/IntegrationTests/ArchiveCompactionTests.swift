import Foundation
import Postgres
import Simulator
import TestSupport
import Testing
import UsageAPI

/// Issue 23: `usage-etl archive compact` makes the archive smaller and changes nothing it holds.
@Suite("archive compaction", .serialized)
struct ArchiveCompactionTests {
    let harness: SimulatorHarness
    let simulator: APISimulator
    let databaseURL: String
    let connection: PostgresConnection
    let today = Scratch.today

    init() throws {
        harness = try SimulatorHarness(database: "test_archive_compaction")
        (simulator, databaseURL, connection) = (harness.simulator, harness.databaseURL, harness.connection)
    }

    func run(_ arguments: [String]) throws -> (Int32, String) { try harness.run(arguments) }

    func facts() throws -> String? {
        try connection.query("SELECT count(*) || ' ' || md5(string_agg(f::text, E'\\n' ORDER BY f::text)) FROM warehouse.fact_completions f").scalar
    }

    @Test func compactedBodiesAreSmallerAndReplayGivesTheSameFacts() throws {
        let (from, to) = (today - 20 * 86_400, today - 2 * 86_400)
        let load = try run(["backfill", "--since", UTCTime.format(from), "--until", UTCTime.format(to), "--bucket-width", "1h",
                            "--endpoint", "completions", "--requests-per-minute", "6000"])
        #expect(load.0 == 0, "\(load.1)")
        let before = try facts()
        let sizes = "SELECT sum(compressed_bytes)::text, min(zstd_level)::text, max(zstd_level)::text, count(*)::text FROM raw.bodies"
        let archived = try #require(try connection.query(sizes).rows.first)
        #expect(archived[1] == "3" && archived[2] == "3")

        // Only closed windows: those ending after --before keep their bodies as they are.
        let cut = UTCTime.format(to - 7 * 86_400)
        let some = try run(["archive", "compact", "--before", cut])
        #expect(some.0 == 0, "\(some.1)")
        let open = try connection.query("""
            SELECT count(*)::text FROM raw.bodies b WHERE zstd_level <> 3 AND EXISTS (
                SELECT 1 FROM raw.pages p JOIN etl.windows w USING (window_id) WHERE p.body_sha256 = b.body_sha256
                AND w.window_end > $1::timestamptz)
            """, [.text(cut)]).scalar
        #expect(open == "0")

        let all = try run(["archive", "compact", "--before", UTCTime.format(today), "--level", "12"])
        #expect(all.0 == 0, "\(all.1)")
        let compacted = try #require(try connection.query(sizes).rows.first)
        #expect(compacted[1] == "12" && compacted[3] == archived[3], "every body compacted, none lost: \(compacted)")
        #expect((Int(compacted[0] ?? "") ?? .max) < (Int(archived[0] ?? "") ?? 0), "smaller: \(archived) → \(compacted)")
        // Running it again finds nothing to do.
        #expect(try run(["archive", "compact", "--before", UTCTime.format(today), "--level", "12"]).1.contains("archive compact: 0 bodies"))

        // Replay reads the compacted bodies (their SHA-256 verified) into the very same facts.
        try connection.execute(script: "TRUNCATE warehouse.fact_completions")
        let requests = simulator.requestCount()
        let replay = try run(["replay", "--since", UTCTime.format(from), "--until", UTCTime.format(to), "--endpoint", "completions"])
        #expect(replay.0 == 0, "\(replay.1)")
        #expect(try facts() == before)
        #expect(simulator.requestCount() == requests)
    }
}
