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

/// Named dimensions: the Admin API's list endpoints read through the simulator into the
/// dimension tables, kept current through renames, archiving, deletions and removals, and shown
/// next to ids in the analyst views.
@Suite("Named dimensions", .serialized)
struct DirectoryTests {
    static let key = "sk-admin-simulator-key"
    static let organization = "org-test"

    let simulator: APISimulator
    let databaseURL: String
    let connection: PostgresConnection
    let api: APIConfiguration

    init() throws {
        let harness = try SimulatorHarness(database: "test_directory")
        (simulator, databaseURL, connection) = (harness.simulator, harness.databaseURL, harness.connection)
        var api = APIConfiguration(baseURL: simulator.baseURL!, adminKey: Self.key)
        api.requestsPerMinute = 60_000
        api.baseBackoff = 0.01
        self.api = api
    }

    func client() -> UsageAPIClient { UsageAPIClient(configuration: api, limiter: RateLimiter(requestsPerMinute: 60_000)) }

    func refresh() throws -> DirectoryRefresh.Outcome {
        try DirectoryRefresh(configuration: api, connection: connection).run(organization: Self.organization)
    }

    func rows(_ sql: String, _ parameters: [PostgresValue] = []) throws -> [[String?]] { try connection.query(sql, parameters).rows }

    func scalar(_ sql: String, _ parameters: [PostgresValue] = []) throws -> String? { try connection.query(sql, parameters).scalar }

    /// Loads a week of daily costs and completions at the finest grouping, so the views have ids to name.
    func loadUsage() throws {
        let now = simulator.now
        let today = floorDiv(now, 86_400) * 86_400
        let runner = Runner(databaseURL: databaseURL, api: api, parallelism: 2, logger: Logger(label: "test"), clock: { now })
        let specs = [EndpointCatalog.costs, EndpointCatalog.completions].map {
            StreamSpec.finest($0, width: .day, organization: Self.organization)
        }
        let summary = runner.run(try runner.plan(specs, range: TimeRange(start: today - 7 * 86_400, end: today),
                                                 refetch: false, connection: connection), refetch: false)
        #expect(summary.windowsFailed == 0, "\(summary.errors)")
    }

    @Test func pagingByAfterAndLastIDReadsTheSameDirectoryAsOnePage() throws {
        var whole = DirectoryFetcher(client: client())
        var paged = DirectoryFetcher(client: client(), pageSize: 2)
        let one = try whole.fetch()
        let many = try paged.fetch()
        #expect(one == many)
        let truth = simulator.directory
        #expect(one.projects.map(\.id) == truth.projects.map(\.id)) // archived ones included
        #expect(one.users.map(\.id) == truth.users.map(\.id))
        #expect(Set(one.apiKeys.map(\.id)) == Set(truth.apiKeys.map(\.id)))
        #expect(Set(one.serviceAccounts.map(\.id)) == Set(truth.serviceAccounts.map(\.id)))
        // projects, users, then keys and service accounts of each project: one page each at 100.
        #expect(whole.requests == 2 + 2 * truth.projects.count)
        #expect(paged.requests > whole.requests)
        let owned = try #require(one.apiKeys.first { $0.ownerType == "service_account" })
        #expect(owned.ownerName == truth.serviceAccounts.first { $0.id == owned.ownerID }?.name)
    }

    @Test func viewsShowNamesNextToIdsAndFollowRenamesArchivingAndDeletions() throws {
        try loadUsage()
        // Before any refresh the ids are there, unnamed.
        #expect(try scalar("SELECT count(*) FROM analytics.daily_spend WHERE project_name IS NOT NULL") == "0")
        #expect(try scalar("SELECT DISTINCT status FROM analytics.projects") == "unlisted")

        let first = try refresh()
        let truth = simulator.directory
        #expect(first.projects == truth.projects.count && first.users == truth.users.count && first.changes == 0)
        for project in truth.projects {
            let row = try rows("SELECT name, status FROM analytics.projects WHERE project_id = $1", [.text(project.id)])
            #expect(row.first == [project.name, project.archivedAt == nil ? "active" : "archived"], "\(project.id)")
        }
        // Every project, user and key that has usage is named in the views.
        #expect(try scalar("SELECT count(*) FROM analytics.daily_spend WHERE project_id IS NOT NULL AND project_name IS NULL") == "0")
        #expect(try scalar("""
            SELECT count(*) FROM analytics.daily_tokens
            WHERE (user_id IS NOT NULL AND user_name IS NULL) OR (api_key_id IS NOT NULL AND api_key_name IS NULL)
               OR (project_id IS NOT NULL AND project_name IS NULL)
            """) == "0")
        #expect(try scalar("SELECT count(*) FROM analytics.daily_tokens WHERE user_email LIKE '%@example.com'") != "0")
        // Budgets name their project; an organization-wide budget has none.
        try connection.query("""
            INSERT INTO analytics.budgets (name, scope, project_id, monthly_amount)
            VALUES ('named', 'project', $1, 100), ('whole', 'organization', NULL, 100)
            """, [.text(truth.projects[0].id)])
        #expect(try rows("SELECT name, project_name FROM analytics.budget_status ORDER BY budget_id")
                == [["named", truth.projects[0].name], ["whole", nil]])
        try connection.query("DELETE FROM analytics.budgets")
        let renamed = truth.projects[0]
        let spendBefore = try scalar("SELECT sum(amount)::text FROM analytics.daily_spend WHERE project_id = $1", [.text(renamed.id)])

        // A step of organisation life: a project renamed, another archived, a key deleted, a user removed.
        simulator.changeDirectory()
        let second = try refresh()
        let after = simulator.directory
        #expect(second.changes == 4)
        #expect(try scalar("SELECT DISTINCT project_name FROM analytics.daily_spend WHERE project_id = $1", [.text(renamed.id)])
                == after.projects[0].name)
        #expect(try scalar("SELECT sum(amount)::text FROM analytics.monthly_spend WHERE project_id = $1", [.text(renamed.id)]) == spendBefore)
        #expect(try scalar("SELECT status FROM analytics.projects WHERE project_id = $1", [.text(after.projects[1].id)]) == "archived")
        let deletedKey = after.apiKeys[0]
        #expect(try rows("SELECT name, status FROM analytics.api_keys WHERE api_key_id = $1", [.text(deletedKey.id)])
                == [[deletedKey.name, "deleted"]]) // the last name is kept
        let removedUser = after.users.last!
        #expect(try rows("SELECT name, status FROM analytics.users WHERE user_id = $1", [.text(removedUser.id)])
                == [[removedUser.name, "removed"]])
        let changes = try rows("SELECT entity, entity_id, change, old_value, new_value FROM analytics.directory_changes ORDER BY change_id")
        #expect(Set(changes.map { "\($0[0]!) \($0[2]!)" }) == ["project renamed", "project archived", "api_key deleted", "user removed"])
        #expect(changes.contains { $0[1] == renamed.id && $0[3] == renamed.name && $0[4] == after.projects[0].name })

        // Refreshing an unchanged directory changes nothing; a second step deletes a service account and its keys.
        #expect(try refresh().changes == 0)
        simulator.changeDirectory()
        #expect(try refresh().changes == 2 + after.apiKeys.filter { $0.projectID == renamed.id && $0.ownerServiceAccountID != nil }.count)
        #expect(try scalar("SELECT count(*) FROM analytics.service_accounts WHERE status = 'deleted'") == "1")
        #expect(try scalar("SELECT count(*) FROM etl.directory_refreshes WHERE outcome = 'succeeded'") == "4")
    }

    @Test func aFailedRefreshChangesNothingAndIsRecorded() throws {
        _ = try refresh()
        let before = try rows("SELECT natural_id, name, listed_at::text FROM warehouse.dim_api_key ORDER BY 1")
        simulator.changeDirectory()
        simulator.configure { $0.faults.rate = 1; $0.faults.kinds = [.serverError] }
        #expect(throws: APIError.self) { try refresh() }
        simulator.configure { $0.faults.rate = 0 }
        #expect(try rows("SELECT natural_id, name, listed_at::text FROM warehouse.dim_api_key ORDER BY 1") == before)
        let failed = try rows("SELECT outcome, error FROM etl.directory_refreshes ORDER BY refresh_id DESC LIMIT 1")
        #expect(failed.first?[0] == "failed")
        #expect(failed.first?[1]?.contains("HTTP 500") == true)
        #expect(try scalar("SELECT count(*) FROM warehouse.directory_changes") == "0")
    }

    @Test func malformedListPagesAreRetriedThenRefusedNamingTheField() throws {
        let body = Array(#"{"object":"list","data":[{"name":"no id"}],"has_more":false}"#.utf8)
        #expect(throws: DecodeError.self) { try DirectoryPage(decoding: body, list: .projects) }
        do {
            _ = try DirectoryPage(decoding: Array(#"{"object":"list","data":[],"has_more":true}"#.utf8), list: .users)
            Issue.record("a page with has_more and nothing to continue from was accepted")
        } catch let error as DecodeError {
            #expect(error.description.contains("last_id"))
        }
        simulator.configure { $0.faults.rate = 0.3; $0.faults.kinds = [.malformed, .truncated, .rateLimited, .reset] }
        var fetcher = DirectoryFetcher(client: client(), pageSize: 1)
        let directory = try fetcher.fetch()
        #expect(directory.users.map(\.id) == simulator.directory.users.map(\.id))
    }

    @Test func theSyncCommandRefreshesNamesUnlessToldNotTo() throws {
        var environment = UsageETLProcess.environment(baseURL: simulator.baseURL!, databaseURL: databaseURL, key: Self.key,
                                                      ["OPENAI_ORGANIZATION": Self.organization])
        let arguments = ["sync", "--endpoint", "costs", "--initial-days", "3", "--requests-per-minute", "6000"]
        var (status, output) = try UsageETLProcess.run(arguments + ["--skip-dimensions"], environment: environment)
        #expect(status == 0, "\(output)")
        #expect(try scalar("SELECT count(*) FROM etl.directory_refreshes") == "0")
        (status, output) = try UsageETLProcess.run(arguments, environment: environment)
        #expect(status == 0, "\(output)")
        #expect(try scalar("SELECT count(*) FROM analytics.projects WHERE name IS NOT NULL") == String(simulator.directory.projects.count))

        // Names that cannot be refreshed fail the run (exit 1) after its windows are committed.
        simulator.configure { $0.faults.rate = 1; $0.faults.kinds = [.unavailable] }
        environment["USAGE_ETL_MAX_ATTEMPTS"] = "2"
        environment["USAGE_ETL_BASE_BACKOFF"] = "0.01"
        (status, output) = try UsageETLProcess.run(["dimensions", "--requests-per-minute", "6000"], environment: environment)
        #expect(status == 1)
        #expect(output.contains("names not refreshed"), "\(output)")
        #expect(!output.contains(Self.key))
    }
}
