import Foundation
import Postgres
import Simulator
import TestSupport
import Testing
import UsageAPI

/// Issue 19: several organizations in one warehouse (`--organizations FILE`), a fleet of processes
/// sharing their windows, a failing organization that does not stop the others, and workers that
/// really run in parallel.
@Suite("several organizations and parallel workers", .serialized)
struct OrganizationsTests {
    static let keys = ["sk-admin-simulator-key", "sk-admin-second", "sk-admin-third"]
    static let names = ["Acme Research", "Acme Labs", "Acme Ops"]

    let simulator: APISimulator
    let databaseURL: String
    let connection: PostgresConnection
    let scratch: URL
    let organizations: [SyntheticOrganization]
    /// Whole days that ended before today: stable under the simulator's real clock.
    let today = Scratch.today

    init() throws {
        let harness = try SimulatorHarness(database: "test_organizations") {
            $0.moreOrganizations = [OrganizationKey(adminKey: Self.keys[1], seed: 7), OrganizationKey(adminKey: Self.keys[2], seed: 99)]
        }
        (simulator, databaseURL, connection) = (harness.simulator, harness.databaseURL, harness.connection)
        organizations = try Self.keys.map { try #require(harness.simulator.organization(forKey: $0)) }
        scratch = try Scratch.directory("usage-etl-orgs")
    }

    /// An organizations file naming the three organizations: two keys in files, one in a variable
    /// (`SECOND_ADMIN_KEY`); the third organization's key file holds `thirdKey`.
    func organizationsFile(thirdKey: String = keys[2]) throws -> String {
        try Self.keys[0].write(to: scratch.appendingPathComponent("first.key"), atomically: true, encoding: .utf8)
        try (thirdKey + "\n").write(to: scratch.appendingPathComponent("third.key"), atomically: true, encoding: .utf8)
        let file = scratch.appendingPathComponent("organizations.toml")
        try """
            [[organizations]]
            name = "\(Self.names[0])"
            id = "\(organizations[0].organizationID)"
            admin_key_file = "\(scratch.appendingPathComponent("first.key").path)"

            [[organizations]]
            name = "\(Self.names[1])"
            id = "\(organizations[1].organizationID)"
            admin_key_env = "SECOND_ADMIN_KEY"

            [[organizations]]
            name = "\(Self.names[2])"
            id = "\(organizations[2].organizationID)"
            admin_key_file = "\(scratch.appendingPathComponent("third.key").path)"
            requests_per_minute = 5000
            """.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// The environment of a fleet member: no OPENAI_ADMIN_KEY at all, the second key in its variable.
    var environment: [String: String] {
        UsageETLProcess.environment(baseURL: simulator.baseURL!, databaseURL: databaseURL, key: "", ["SECOND_ADMIN_KEY": Self.keys[1]])
    }

    func run(_ arguments: [String]) throws -> (Int32, String) { try UsageETLProcess.run(arguments, environment: environment) }

    /// Ground truth of one organization: a usage metric's total over `[from, to)` at `1d`.
    func truth(_ organization: SyntheticOrganization, _ endpoint: Endpoint, _ metric: String, from: Int64, to: Int64) -> String {
        String(simulator.groundTruth(of: organization).buckets(UsageQuery(endpoint: endpoint, startTime: from, endTime: to), now: simulator.now)
            .flatMap(\.results).reduce(Int64(0)) { if case .count(let v) = $1.values[metric] { $0 + v } else { $0 } })
    }

    /// Ground truth of one organization's costs over `[from, to)`, exact.
    func truthCosts(_ organization: SyntheticOrganization, from: Int64, to: Int64) -> Decimal {
        var exact = Decimal(0)
        for bucket in simulator.groundTruth(of: organization).buckets(
            UsageQuery(endpoint: EndpointCatalog.costs, startTime: from, endTime: to, groupBy: [.projectID, .lineItem]), now: simulator.now) {
            for result in bucket.results { if case .decimal(let text) = result.values["amount"], let amount = Decimal(string: text) { exact += amount } }
        }
        return exact
    }

    /// Every organization's completions, embeddings and costs equal its own ground truth.
    func expectExact(_ organizations: [SyntheticOrganization], from: Int64, to: Int64) throws {
        for organization in organizations {
            let id = organization.organizationID
            for (endpoint, view, metric) in [(EndpointCatalog.completions, "completions_usage", "input_tokens"),
                                             (EndpointCatalog.completions, "completions_usage", "output_tokens"),
                                             (EndpointCatalog.embeddings, "embeddings_usage", "input_tokens")] {
                let loaded = try connection.query("""
                    SELECT coalesce(sum(\(metric)), 0)::text FROM analytics.\(view)
                    WHERE organization_id = $1 AND bucket_width = '1d' AND bucket_start >= to_timestamp($2) AND bucket_start < to_timestamp($3)
                    """, [.text(id), .int64(from), .int64(to)]).scalar
                #expect(loaded == truth(organization, endpoint, metric, from: from, to: to), "\(id) \(view).\(metric)")
            }
            let costs = try connection.query("""
                SELECT coalesce(sum(amount), 0)::text FROM analytics.costs
                WHERE organization_id = $1 AND bucket_start >= to_timestamp($2) AND bucket_start < to_timestamp($3)
                """, [.text(id), .int64(from), .int64(to)]).scalar
            #expect(costs.flatMap { Decimal(string: $0) } == truthCosts(organization, from: from, to: to), "\(id) costs")
        }
    }

    @Test func threeProcessesLoadThreeOrganizationsExactlyEachWindowOnce() throws {
        simulator.configure { $0.faults.latencyMilliseconds = 30 }
        let file = try organizationsFile()
        let (from, to) = (today - 40 * 86_400, today - 86_400)
        let arguments = ["backfill", "--organizations", file, "--since", UTCTime.format(from), "--until", UTCTime.format(to),
                         "--endpoint", "completions", "--endpoint", "embeddings", "--endpoint", "costs",
                         "--requests-per-minute", "6000", "--parallelism", "2"]
        let fleet = try (0..<3).map { _ in try UsageETLProcess(arguments, environment: environment) }
        for (status, output) in fleet.map({ $0.wait() }) {
            #expect(status == 0, "\(output)")
            for key in Self.keys { #expect(!output.contains(key), "a key in the output") }
        }
        try expectExact(organizations, from: from, to: to)

        // Each page of each organization's windows was asked for once, by one of the three: the minimum.
        let requests = simulator.requestLog
        #expect(requests.allSatisfy { $0.status == 200 })
        let asked = requests.map { request in
            "\(request.organization ?? "-") \(request.endpoint) " + request.query.map { "\($0.0)=\($0.1)" }.sorted().joined(separator: "&")
        }
        #expect(Set(asked).count == asked.count, "a page asked for twice")
        #expect(simulator.maxSameWindowInFlight == 1)
        let pages = try connection.query("SELECT sum(pages_fetched)::text, count(*)::text FROM etl.windows WHERE state = 'done'").rows.first
        #expect(pages?[0] == String(requests.count), "requests beyond the pages loaded")
        // 2 windows (31 days a window) of each usage endpoint and 1 of costs, for each organization.
        #expect(pages?[1] == "15")
        for organization in organizations {
            #expect(requests.contains { $0.organization == organization.organizationID })
        }
        #expect(try connection.query("SELECT count(*) FROM etl.runs WHERE command = 'backfill' AND outcome = 'succeeded'").scalar == "3")

        // The display names are beside the ids where the views show names.
        // A fleet of syncs: the recent windows (provisional, as they reach now) are fetched once
        // across the three processes, not once each.
        simulator.configure { $0.faults.latencyMilliseconds = 400 }
        simulator.resetCounters()
        let sync = ["sync", "--organizations", file, "--endpoint", "completions", "--endpoint", "embeddings", "--endpoint", "costs",
                    "--skip-dimensions", "--requests-per-minute", "6000", "--parallelism", "2"]
        let syncs = try (0..<3).map { _ in try UsageETLProcess(sync, environment: environment) }
        for (status, output) in syncs.map({ $0.wait() }) { #expect(status == 0, "\(output)") }
        let synced = simulator.requestLog.map { request in
            "\(request.organization ?? "-") \(request.endpoint) " + request.query.map { "\($0.0)=\($0.1)" }.sorted().joined(separator: "&")
        }
        #expect(!synced.isEmpty && Set(synced).count == synced.count, "a page asked for twice by the fleet of syncs: \(synced.count) requests")
        try expectExact(organizations, from: from, to: to)

        var named: [String: String] = [:]
        for row in try connection.query("SELECT DISTINCT organization_id, organization_name FROM analytics.daily_spend").rows {
            named[row[0] ?? "-"] = row[1] ?? "-"
        }
        #expect(named == Dictionary(uniqueKeysWithValues: zip(organizations.map(\.organizationID), Self.names)))
    }

    @Test func aRefusedOrganizationFailsAloneAndRerunCompletesIt() throws {
        let (from, to) = (today - 10 * 86_400, today - 86_400)
        let revoked = try organizationsFile(thirdKey: "sk-admin-revoked")
        let arguments = ["--organizations", revoked, "--requests-per-minute", "6000"]
        let (status, output) = try run(["backfill", "--since", UTCTime.format(from), "--until", UTCTime.format(to),
                                        "--endpoint", "completions", "--endpoint", "embeddings", "--endpoint", "costs"] + arguments)
        #expect(status == 1, "\(output)")
        #expect(output.contains("organizations not loaded") && output.contains("Acme Ops (\(organizations[2].organizationID))"), "\(output)")
        #expect(!output.contains("sk-admin-revoked"))
        try expectExact(Array(organizations[0..<2]), from: from, to: to)
        #expect(try connection.query("SELECT outcome FROM etl.runs ORDER BY run_id DESC LIMIT 1").scalar == "partial")
        // The refused key was tried once a worker at most, not once a window.
        #expect((1...2).contains(simulator.requestLog.filter { $0.status == 401 }.count))

        // One key reruns its own organization's windows only: never another's with it.
        let single = UsageETLProcess.environment(baseURL: simulator.baseURL!, databaseURL: databaseURL, key: Self.keys[0],
                                                 ["OPENAI_ORGANIZATION": organizations[0].organizationID])
        let beforeSingle = simulator.requestCount()
        let (singleStatus, singleOutput) = try UsageETLProcess.run(["rerun", "--failed", "--requests-per-minute", "6000"], environment: single)
        #expect(singleStatus == 0, "\(singleOutput)")
        #expect(singleOutput.contains("unfinished windows of other organizations are left to their own keys"), "\(singleOutput)")
        #expect(simulator.requestCount() == beforeSingle, "the one key fetched another organization's windows")
        #expect(try connection.query("""
            SELECT count(*) FROM etl.windows w JOIN etl.streams s USING (stream_id) WHERE s.organization = $1 AND w.state <> 'done'
            """, [.text(organizations[2].organizationID)]).scalar != "0")

        // status names the organization of each stream and shows the failure.
        let (_, status2) = try run(["status", "--organizations", revoked])
        #expect(status2.contains("Acme Ops") && status2.contains("Acme Labs") && status2.contains("organization"), "\(status2)")

        // The key mended, rerun --failed loads what was left, requesting only that.
        let mended = try organizationsFile()
        let before = simulator.requestCount()
        let (rerun, rerunOutput) = try run(["rerun", "--failed", "--organizations", mended, "--requests-per-minute", "6000"])
        #expect(rerun == 0, "\(rerunOutput)")
        #expect(simulator.requestLog.dropFirst(before).allSatisfy { $0.organization == organizations[2].organizationID })
        try expectExact(organizations, from: from, to: to)
        #expect(try connection.query("SELECT count(*) FROM etl.windows WHERE state <> 'done'").scalar == "0")

        // dimensions over all three, each with its own names.
        let (dimensions, dimensionsOutput) = try run(["dimensions", "--organizations", mended])
        #expect(dimensions == 0, "\(dimensionsOutput)")
        for name in Self.names { #expect(dimensionsOutput.contains("dimensions \(name) ("), "\(dimensionsOutput)") }
        let projectOwners = try connection.query("""
            SELECT count(DISTINCT organization_id)::text, count(*) FILTER (WHERE organization_name IS NULL)::text FROM analytics.projects
            WHERE listed_at IS NOT NULL
            """).rows.first
        #expect(projectOwners?[0] == "3" && projectOwners?[1] == "0", "\(String(describing: projectOwners))")

        // replay of one organization touches only its windows, with no request.
        let requests = simulator.requestCount()
        let (replay, replayOutput) = try UsageETLProcess.run(
            ["replay", "--since", UTCTime.format(from), "--until", UTCTime.format(to), "--organization", organizations[1].organizationID],
            environment: UsageETLProcess.environment(baseURL: "http://127.0.0.1:9/v1", databaseURL: databaseURL, key: ""))
        #expect(replay == 0, "\(replayOutput)")
        #expect(replayOutput.contains("replay: 3 windows loaded"), "\(replayOutput)")
        #expect(simulator.requestCount() == requests)
        try expectExact(organizations, from: from, to: to)
    }

    @Test(arguments: [
        ("[[organizations]]\nname = \"a\"\nadmin_key = \"sk-secret-in-file\"", "keys are not written into this file"),
        ("[[organizations]]\nname = \"a\"", "needs admin_key_file or admin_key_env"),
        ("[[organizations]]\nname = \"a\"\nid = \"acme\"\nadmin_key_env = \"X\"", "is not an organization id"),
        ("[[organizations]]\nname = \"a\"\nadmin_key_env = \"X\"\n[[organizations]]\nname = \"a\"\nadmin_key_env = \"Y\"", "given twice"),
        ("colour = \"blue\"", "unknown key 'colour'"),
    ])
    func badOrganizationsFilesExitTwoWithoutARequest(toml: String, message: String) throws {
        let file = scratch.appendingPathComponent("bad-\(UUID().uuidString).toml")
        try toml.write(to: file, atomically: true, encoding: .utf8)
        let (status, output) = try run(["sync", "--organizations", file.path])
        #expect(status == 2, "\(output)")
        #expect(output.contains(message) && output.contains(file.path), "\(output)")
        #expect(!output.contains("sk-secret-in-file"))
        #expect(simulator.requestCount() == 0)
    }

    @Test func aKeyGivenTwiceOrAnIdThatContradictsTheWarehouseIsRefusedBeforeAnyRequest() throws {
        // The same key in two entries (a copied file): exit 2, no request.
        let file = try organizationsFile()
        try Self.keys[0].write(to: scratch.appendingPathComponent("third.key"), atomically: true, encoding: .utf8)
        let (twice, twiceOutput) = try run(["backfill", "--organizations", file, "--since", UTCTime.format(today - 3 * 86_400),
                                            "--until", UTCTime.format(today - 86_400), "--endpoint", "costs"])
        #expect(twice == 2, "\(twiceOutput)")
        #expect(twiceOutput.contains("holds the same admin key as organizations[0] (Acme Research)"), "\(twiceOutput)")
        #expect(simulator.requestCount() == 0)

        // Loaded once, then the ids swapped: the warehouse knows each key's organization.
        let good = try organizationsFile()
        let load = try run(["backfill", "--organizations", good, "--since", UTCTime.format(today - 3 * 86_400),
                            "--until", UTCTime.format(today - 86_400), "--endpoint", "costs", "--requests-per-minute", "6000"])
        #expect(load.0 == 0, "\(load.1)")
        let swapped = try String(contentsOfFile: good, encoding: .utf8)
            .replacingOccurrences(of: organizations[0].organizationID, with: "SWAP")
            .replacingOccurrences(of: organizations[1].organizationID, with: organizations[0].organizationID)
            .replacingOccurrences(of: "SWAP", with: organizations[1].organizationID)
        let swappedFile = scratch.appendingPathComponent("swapped.toml")
        try swapped.write(to: swappedFile, atomically: true, encoding: .utf8)
        let requests = simulator.requestCount()
        let (status, output) = try run(["backfill", "--organizations", swappedFile.path, "--since", UTCTime.format(today - 3 * 86_400),
                                        "--until", UTCTime.format(today - 86_400), "--endpoint", "costs", "--refetch"])
        #expect(status == 2, "\(output)")
        #expect(output.contains("its key was used for"), "\(output)")
        #expect(simulator.requestCount() == requests)
        // A made-up organization is an error, not an empty success.
        #expect(try run(["replay", "--since", UTCTime.format(today - 3 * 86_400), "--until", UTCTime.format(today), "--organization", "org-nope"]).0 == 2)
        #expect(try run(["status", "--organization", "org-nope"]).0 == 2)
    }

    /// Workers are threads of their own: N workers keep N requests in flight on any number of cores.
    @Test func parallelismMeansRequestsInFlight() throws {
        simulator.configure { $0.faults.latencyMilliseconds = 700 }
        let (from, to) = (today - 3 * 86_400, today - 86_400)
        let (status, output) = try UsageETLProcess.run(
            ["backfill", "--since", UTCTime.format(from), "--until", UTCTime.format(to), "--requests-per-minute", "6000", "--parallelism", "6",
             "--endpoint", "embeddings", "--endpoint", "moderations", "--endpoint", "images", "--endpoint", "audio_speeches",
             "--endpoint", "audio_transcriptions", "--endpoint", "vector_stores"],
            environment: UsageETLProcess.environment(baseURL: simulator.baseURL!, databaseURL: databaseURL, key: Self.keys[0],
                                                     ["OPENAI_ORGANIZATION": organizations[0].organizationID]))
        #expect(status == 0, "\(output)")
        #expect(simulator.maxRequestsInFlight == 6, "on \(ProcessInfo.processInfo.activeProcessorCount) cores")
    }
}
