import Foundation
import JSON
import Simulator
import Testing
import UsageAPI

/// The simulator answered over its handler (the HTTP layer is exercised by the integration suites).
@Suite("API simulator")
struct SimulatorTests {
    static let now: Int64 = 1_767_225_600 // 2026-01-01T00:00:00Z
    let simulator: APISimulator

    init() {
        var configuration = SimulatorConfiguration()
        configuration.now = Self.now
        simulator = APISimulator(configuration: configuration)
    }

    func get(_ path: String, _ query: [(String, String)], key: String? = "sk-admin-simulator-key") -> (Int, [String: Any]) {
        var headers: [String: String] = [:]
        if let key { headers["authorization"] = "Bearer \(key)" }
        let reply = simulator.handle(HTTPRequest(method: "GET", path: "/v1" + path, query: query, headers: headers))
        let json = (try? JSONSerialization.jsonObject(with: Data(reply.body))) as? [String: Any] ?? [:]
        return (reply.status, json)
    }

    @Test(arguments: [("1d", 31), ("1h", 168), ("1m", 1440)])
    func limitsAreCappedPerWidth(width: String, cap: Int) {
        let start = String(Self.now - 40 * 86_400)
        #expect(get("/organization/usage/completions", [("start_time", start), ("bucket_width", width), ("limit", String(cap))]).0 == 200)
        let (status, body) = get("/organization/usage/completions", [("start_time", start), ("bucket_width", width), ("limit", String(cap + 1))])
        #expect(status == 400)
        #expect((body["error"] as? [String: Any])?["param"] as? String == "limit")
    }

    @Test func directoryListsPageByAfterAndHideWhatIsGone() {
        let directory = simulator.directory
        var ids: [String] = []
        var after: String? = nil
        repeat {
            let (status, body) = get("/organization/users", [("limit", "4")] + (after.map { [("after", $0)] } ?? []))
            #expect(status == 200)
            let page = (body["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            ids += page
            #expect(body["last_id"] as? String == page.last)
            after = body["has_more"] as? Bool == true ? page.last : nil
        } while after != nil
        #expect(ids == directory.users.map(\.id))
        let active = get("/organization/projects", [("limit", "100")]).1["data"] as? [[String: Any]] ?? []
        #expect(active.count == directory.projects.filter { $0.archivedAt == nil }.count)
        let all = get("/organization/projects", [("limit", "100"), ("include_archived", "true")]).1["data"] as? [[String: Any]] ?? []
        #expect(all.count == directory.projects.count)
        #expect(get("/organization/projects", [("limit", "101")]).0 == 400)
        #expect(get("/organization/projects/proj_missing/api_keys", []).0 == 404)
        #expect(get("/organization/users", [], key: nil).0 == 401)

        simulator.changeDirectory()
        let deleted = simulator.directory.apiKeys[0]
        let keys = get("/organization/projects/\(deleted.projectID)/api_keys", [("limit", "100")]).1["data"] as? [[String: Any]] ?? []
        #expect(!keys.contains { $0["id"] as? String == deleted.id })
        // A cursor naming an entry that has gone since still pages on.
        #expect(get("/organization/projects/\(deleted.projectID)/api_keys", [("after", deleted.id)]).0 == 200)
    }

    @Test func costsAcceptOnlyDailyBucketsAndRefuseAPIKeyGrouping() {
        let start = String(Self.now - 10 * 86_400)
        #expect(get("/organization/costs", [("start_time", start), ("bucket_width", "1h")]).0 == 400)
        #expect(get("/organization/costs", [("start_time", start), ("group_by", "api_key_id")]).0 == 400)
        #expect(get("/organization/costs", [("start_time", start), ("limit", "180")]).0 == 200)
        #expect(get("/organization/costs", [("start_time", start), ("limit", "181")]).0 == 400)
    }

    @Test func defaultLimitAndPagination() {
        let start = Self.now - 20 * 86_400
        var (status, page) = get("/organization/usage/embeddings", [("start_time", String(start))])
        #expect(status == 200)
        #expect((page["data"] as? [Any])?.count == 7)
        var buckets = 7
        var cursor = page["next_page"] as? String
        while let next = cursor {
            (status, page) = get("/organization/usage/embeddings", [("start_time", String(start)), ("page", next)])
            #expect(status == 200)
            buckets += (page["data"] as? [Any])?.count ?? 0
            cursor = page["has_more"] as? Bool == true ? page["next_page"] as? String : nil
        }
        #expect(buckets == 20)
    }

    @Test func authFailures() {
        let query = [("start_time", String(Self.now - 86_400))]
        #expect(get("/organization/costs", query, key: nil).0 == 401)
        #expect(get("/organization/costs", query, key: "sk-admin-wrong").0 == 401)
        #expect(get("/organization/costs", query, key: "sk-proj-abc").0 == 403)
    }

    @Test func lookbackAndUnsupportedGrouping() {
        let (status, body) = get("/organization/usage/completions", [("start_time", String(Self.now - 400 * 86_400))])
        #expect(status == 400)
        #expect((body["error"] as? [String: Any])?["code"] as? String == "reporting_lookback_exceeded")
        #expect(get("/organization/usage/vector_stores", [("start_time", String(Self.now - 86_400)), ("group_by", "model")]).0 == 400)
    }

    @Test(arguments: EndpointCatalog.all.filter { !$0.isCosts })
    func groupedSumsEqualUngroupedTotals(endpoint: Endpoint) {
        let truth = simulator.groundTruth
        let start = Self.now - 3 * 86_400
        let ungrouped = truth.buckets(UsageQuery(endpoint: endpoint, startTime: start, endTime: Self.now), now: Self.now)
        let grouped = truth.buckets(UsageQuery(endpoint: endpoint, startTime: start, endTime: Self.now,
                                               groupBy: Set(endpoint.groupBy)), now: Self.now)
        #expect(ungrouped.count == 3)
        for (a, b) in zip(ungrouped, grouped) {
            for metric in endpoint.metrics {
                let total = a.results.reduce(Int64(0)) { if case .count(let v) = $1.values[metric.name] { $0 + v } else { $0 } }
                let sum = b.results.reduce(Int64(0)) { if case .count(let v) = $1.values[metric.name] { $0 + v } else { $0 } }
                #expect(total == sum, "\(endpoint.name).\(metric.name)")
                if metric == endpoint.metrics[0] { #expect(total > 0, "\(endpoint.name) has traffic") }
            }
        }
    }

    @Test func hourlyAndMinuteBucketsAddUpToDays() {
        let truth = simulator.groundTruth
        let start = Self.now - 86_400
        func total(_ width: BucketWidth) -> Int64 {
            truth.buckets(UsageQuery(endpoint: EndpointCatalog.completions, startTime: start, endTime: Self.now, width: width), now: Self.now)
                .flatMap(\.results).reduce(0) { if case .count(let v) = $1.values["input_tokens"] { $0 + v } else { $0 } }
        }
        let day = total(.day)
        #expect(day > 0)
        #expect(total(.hour) == day)
        #expect(total(.minute) == day)
    }

    @Test func filtersNarrowResults() {
        let project = simulator.organization.projects[0].id
        let (_, page) = get("/organization/usage/completions", [("start_time", String(Self.now - 86_400)),
                                                               ("group_by[]", "project_id"), ("project_ids", project)])
        let results = ((page["data"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
        #expect(!results.isEmpty)
        #expect(results.allSatisfy { $0["project_id"] as? String == project })
    }

    @Test func deterministicAcrossInstances() {
        let other = APISimulator(configuration: simulator.configuration)
        let query = UsageQuery(endpoint: EndpointCatalog.costs, startTime: Self.now - 5 * 86_400, endTime: Self.now,
                               groupBy: [.projectID, .lineItem])
        #expect(simulator.groundTruth.buckets(query, now: Self.now) == other.groundTruth.buckets(query, now: Self.now))
        #expect(!simulator.groundTruth.buckets(query, now: Self.now)[0].results.isEmpty)
    }

    @Test func restatementChangesRecentBuckets() {
        simulator.configure { $0.restateFromHour = (Self.now - 86_400) / 3600 }
        let query = UsageQuery(endpoint: EndpointCatalog.completions, startTime: Self.now - 86_400, endTime: Self.now,
                               width: .hour, groupBy: Set(EndpointCatalog.completions.groupBy))
        let before = simulator.groundTruth.buckets(query, now: Self.now)
        simulator.restate()
        let after = simulator.groundTruth.buckets(query, now: Self.now)
        #expect(before != after)
    }

    @Test func faultsAreInjectedDeterministically() {
        simulator.configure { $0.faults.rate = 1; $0.faults.kinds = [.serverError] }
        #expect(get("/organization/usage/images", [("start_time", String(Self.now - 86_400))]).0 == 500)
        simulator.configure { $0.faults.kinds = [.rateLimited] }
        let reply = simulator.handle(HTTPRequest(method: "GET", path: "/v1/organization/usage/images",
                                                 query: [("start_time", String(Self.now - 86_400))],
                                                 headers: ["authorization": "Bearer sk-admin-simulator-key"]))
        #expect(reply.status == 429)
        #expect(reply.headers.contains { $0.0 == "Retry-After" })
        #expect(simulator.requestCount(endpoint: "images") == 2)
    }

    @Test func eachAdminKeyReadsItsOwnOrganizationWithItsOwnRateLimit() {
        var configuration = simulator.configuration
        configuration.moreOrganizations = [OrganizationKey(adminKey: "sk-admin-second", seed: 7)]
        configuration.requestsPerMinute = 2
        let two = APISimulator(configuration: configuration)
        func costs(_ key: String) -> (Int, String?) {
            let reply = two.handle(HTTPRequest(method: "GET", path: "/v1/organization/costs", query: [("start_time", String(Self.now - 5 * 86_400))],
                                               headers: ["authorization": "Bearer " + key]))
            let page = (try? JSONSerialization.jsonObject(with: Data(reply.body))) as? [String: Any]
            let result = ((page?["data"] as? [[String: Any]])?.first { !(($0["results"] as? [Any]) ?? []).isEmpty }?["results"] as? [[String: Any]])?.first
            return (reply.status, result?["organization_id"] as? String)
        }
        let second = two.moreOrganizations["sk-admin-second"]!
        #expect(second.organizationID != two.organization.organizationID)
        #expect(costs("sk-admin-simulator-key") == (200, two.organization.organizationID))
        #expect(costs("sk-admin-second") == (200, second.organizationID))
        // Each organization spends its own budget of two a minute.
        #expect(costs("sk-admin-second").0 == 200)
        #expect(costs("sk-admin-second").0 == 429)
        #expect(costs("sk-admin-simulator-key").0 == 200)
        #expect(costs("sk-admin-unknown").0 == 401)
        #expect(two.requestCount(organization: second.organizationID) == 3)
        #expect(OrganizationKey("sk-admin-x:12") == OrganizationKey(adminKey: "sk-admin-x", seed: 12))
        #expect(OrganizationKey("sk-admin-x") == nil && OrganizationKey(":3") == nil && OrganizationKey("k:-1") == nil)
    }

    func reply(_ path: String, _ query: [(String, String)]) -> HTTPReply {
        simulator.handle(HTTPRequest(method: "GET", path: "/v1" + path, query: query,
                                     headers: ["authorization": "Bearer sk-admin-simulator-key"]))
    }

    @Test(arguments: FaultConfiguration.Kind.allCases)
    func everyFaultKindIsServedAsDescribed(kind: FaultConfiguration.Kind) throws {
        simulator.configure { $0.faults.rate = 1; $0.faults.kinds = [kind]; $0.faults.timeoutMilliseconds = 1_500 }
        let answer = reply("/organization/usage/completions", [("start_time", String(Self.now - 86_400))])
        let json = try? JSONParser.parse(answer.body)
        switch kind {
        case .rateLimited:
            #expect(answer.status == 429)
            #expect(answer.headers.contains { $0.0 == "Retry-After" } && answer.headers.contains { $0.0 == "retry-after-ms" })
        case .serverError: #expect(answer.status == 500 && json?["error"] != nil)
        case .badGateway: #expect(answer.status == 502 && json == nil)
        case .unavailable: #expect(answer.status == 503 && json?["error"] != nil)
        case .timeout: #expect(answer.status == 503 && answer.delayMilliseconds >= 1_500)
        case .reset: #expect(answer.status == 200 && answer.fault == .resetMidBody)
        case .truncated: #expect(answer.status == 200 && answer.fault == .truncateBody)
        case .malformed: #expect(answer.status == 200 && json == nil && answer.deviatesFromSchema)
        case .wrongType:
            #expect(answer.status == 200 && answer.deviatesFromSchema)
            #expect(throws: DecodeError.self) { try PageDecoder(endpoint: EndpointCatalog.completions).decode(answer.body) }
        }
        // Deterministic under the seed: the same sequence of requests meets the same faults.
        let again = APISimulator(configuration: simulator.configuration)
        let second = again.handle(HTTPRequest(method: "GET", path: "/v1/organization/usage/completions",
                                              query: [("start_time", String(Self.now - 86_400))],
                                              headers: ["authorization": "Bearer sk-admin-simulator-key"]))
        #expect(second.status == answer.status && second.body == answer.body)
    }

    @Test func liveQuirksOnDemand() throws {
        let start = String(Self.now - 3 * 86_400)
        simulator.configure { $0.faults.oldSpellings = true; $0.faults.amountAsString = true; $0.faults.duplicateResults = true }
        let sessions = String(decoding: reply("/organization/usage/code_interpreter_sessions", [("start_time", start)]).body, as: UTF8.self)
        #expect(sessions.contains("\"result\":[") && sessions.contains("\"sessions\":") && !sessions.contains("num_sessions"))
        let costs = String(decoding: reply("/organization/costs", [("start_time", start)]).body, as: UTF8.self)
        #expect(costs.contains("\"value\":\""))
        let duplicated = try PageDecoder(endpoint: EndpointCatalog.embeddings)
            .decode(reply("/organization/usage/embeddings", [("start_time", start), ("group_by", "model")]).body)
        #expect(duplicated.warnings.contains { $0.contains("identical") || $0.contains("duplicate") })

        simulator.configure { $0.faults = FaultConfiguration(); $0.faults.costsEmptyPageQuirk = true }
        let first = try PageDecoder(endpoint: EndpointCatalog.costs).decode(reply("/organization/costs", [("start_time", start)]).body)
        #expect(first.hasMore && first.nextPage != nil)
        let last = try PageDecoder(endpoint: EndpointCatalog.costs)
            .decode(reply("/organization/costs", [("start_time", start), ("page", first.nextPage!)]).body)
        #expect(last.buckets.isEmpty && last.hasMore)
    }

    @Test func cursorsExpireAfterTheirTTL() throws {
        simulator.configure { $0.faults.cursorTTLSeconds = 60 }
        let query = [("start_time", String(Self.now - 20 * 86_400)), ("limit", "7")]
        let first = try PageDecoder(endpoint: EndpointCatalog.completions).decode(reply("/organization/usage/completions", query).body)
        let cursor = try #require(first.nextPage)
        #expect(reply("/organization/usage/completions", query + [("page", cursor)]).status == 200)
        simulator.configure { $0.now = Self.now + 61 }
        let expired = reply("/organization/usage/completions", query + [("page", cursor)])
        #expect(expired.status == 400)
        #expect(String(decoding: expired.body, as: UTF8.self).contains("invalid_cursor"))
    }
}
