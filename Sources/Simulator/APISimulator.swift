import Foundation
import Synchronization
import UsageAPI

/// The local OpenAI Usage and Costs API: serves the synthetic organisation over HTTP as the
/// official description and the live API define it, with faults on demand.
///
/// This file holds its state, its life (start, stop), the control API tests use, and the router:
/// each request is counted, admitted (method, `Authorization`, `RateLimit`, `FaultInjection`) and
/// answered by a `UsageRoute`, a `DirectoryRoute` or the control routes (`ControlRoutes.swift`).
public final class APISimulator: Sendable {
    private struct State {
        var configuration: SimulatorConfiguration
        var restatementVersion = 0
        var sequence: UInt64 = 0
        /// Each organization's request budget, by admin key (the live API limits each organization apart).
        var rateLimits: [String: RateLimit] = [:]
        var log: [RecordedRequest] = []
        /// Requests being answered now, by endpoint and parameters other than `page`.
        var inFlight: [String: Int] = [:]
        var maxSameWindowInFlight = 0
        /// Usage, costs and directory requests being answered now, and the most there were at once.
        var requestsInFlight = 0
        var maxRequestsInFlight = 0
    }

    /// The first organization: the one `adminKey` reads.
    public let organization: SyntheticOrganization
    /// The others (`moreOrganizations`), by admin key.
    public let moreOrganizations: [String: SyntheticOrganization]
    private let state: Mutex<State>
    private let server = Mutex<HTTPServer?>(nil)

    public init(configuration: SimulatorConfiguration = SimulatorConfiguration()) {
        organization = SyntheticOrganization(seed: configuration.seed, preset: configuration.preset)
        moreOrganizations = Dictionary(configuration.moreOrganizations.map {
            ($0.adminKey, SyntheticOrganization(seed: $0.seed, preset: configuration.preset))
        }) { first, _ in first }
        state = Mutex(State(configuration: configuration))
    }

    // MARK: - Running

    /// Starts serving on 127.0.0.1:`port` (0 picks a free port) and returns the base URL (`…/v1`).
    @discardableResult
    public func start(port: Int = 0) throws -> String {
        let simulator = self
        let http = try HTTPServer(port: port) { simulator.handle($0) }
        server.withLock { $0 = http }
        return "http://127.0.0.1:\(http.port)/v1"
    }

    public var baseURL: String? {
        server.withLock { $0.map { "http://127.0.0.1:\($0.port)/v1" } }
    }

    public func stop() {
        server.withLock { $0?.stop(); $0 = nil }
    }

    deinit { server.withLock { $0?.stop() } }

    // MARK: - Control

    public var configuration: SimulatorConfiguration { state.withLock { $0.configuration } }

    public func configure(_ change: (inout SimulatorConfiguration) -> Void) {
        state.withLock { change(&$0.configuration) }
    }

    /// Late data lands: buckets from `restateFromHour` on change (grow, one group vanishes, a late one appears).
    public func restate() {
        state.withLock { $0.restatementVersion += 1 }
    }

    /// The next step of organisation life lands in the directory (see `SimulatedDirectory`).
    public func changeDirectory() {
        configure { $0.directoryChanges += 1 }
    }

    /// The directory as the list endpoints would answer now.
    public var directory: SimulatedDirectory { directory(of: organization) }

    /// The directory of one of the organizations served.
    public func directory(of organization: SyntheticOrganization) -> SimulatedDirectory {
        SimulatedDirectory(organization: organization, changes: configuration.directoryChanges)
    }

    /// The ground truth of the first organization as the simulator would answer now.
    public var groundTruth: GroundTruth { groundTruth(of: organization) }

    /// The ground truth of one of the organizations served, as the simulator would answer now.
    public func groundTruth(of organization: SyntheticOrganization) -> GroundTruth {
        state.withLock { s in
            GroundTruth(organization: organization, restatement: Restatement(
                fromHour: s.configuration.restateFromHour ?? .max, version: s.restatementVersion))
        }
    }

    /// The organization an admin key reads, if the simulator accepts the key.
    public func organization(forKey key: String) -> SyntheticOrganization? {
        key == configuration.adminKey ? organization : moreOrganizations[key]
    }

    public var now: Int64 { state.withLock { $0.configuration.now } ?? Int64(Date().timeIntervalSince1970) }

    /// Requests answered so far, optionally for one endpoint name and one organization id.
    public func requestCount(endpoint: String? = nil, organization: String? = nil) -> Int {
        state.withLock { s in
            s.log.filter { entry in
                (endpoint.map { entry.endpoint == $0 } ?? true) && (organization.map { entry.organization == $0 } ?? true)
            }.count
        }
    }

    public var requestLog: [RecordedRequest] { state.withLock { $0.log } }

    public func resetCounters() {
        state.withLock { $0.log.removeAll(); $0.maxSameWindowInFlight = 0; $0.maxRequestsInFlight = $0.requestsInFlight }
    }

    /// The most requests for the same window (endpoint and parameters other than `page`) that were
    /// in flight at once: 1 when no window was ever fetched twice at the same time.
    public var maxSameWindowInFlight: Int { state.withLock { $0.maxSameWindowInFlight } }

    /// The most API requests (usage, costs, directory) that were being answered at once since the
    /// start or the last reset: what a client's parallelism delivers.
    public var maxRequestsInFlight: Int { state.withLock { $0.maxRequestsInFlight } }

    // MARK: - Handling

    /// The answer to one request (what the HTTP server calls; tests call it without HTTP).
    public func handle(_ request: HTTPRequest) -> HTTPReply {
        if request.path.hasPrefix("/__sim/") { return control(request) }
        let prefix = "/v1"
        guard request.path.hasPrefix(prefix) else { return HTTPReply.apiError(404, "Unknown path \(request.path)", type: "invalid_request_error") }
        let path = String(request.path.dropFirst(prefix.count))
        let route: Route
        if let usage = UsageRoute(path: path) {
            route = .usage(usage)
        } else if let list = DirectoryRoute(path: path) {
            route = .directory(list)
        } else {
            return HTTPReply.apiError(404, "Invalid URL (GET \(request.path))", type: "invalid_request_error")
        }
        let key = Authorization.key(request) ?? ""
        let (config, sequence, limited, version) = state.withLock { s -> (SimulatorConfiguration, UInt64, Double?, Int) in
            s.sequence += 1
            let retryAfter = s.rateLimits[key, default: RateLimit()].take(limit: s.configuration.requestsPerMinute, now: Date().timeIntervalSince1970)
            return (s.configuration, s.sequence, retryAfter, s.restatementVersion)
        }
        let served = key == config.adminKey ? organization : moreOrganizations[key]
        // One organization's window: the same range of another organization is another window.
        let window = (served?.organizationID ?? "") + " " + path + "?" + request.query.filter { $0.0 != "page" }.map { "\($0.0)=\($0.1)" }.sorted().joined(separator: "&")
        state.withLock { s in
            let count = s.inFlight[window, default: 0] + 1
            s.inFlight[window] = count
            s.maxSameWindowInFlight = max(s.maxSameWindowInFlight, count)
            s.requestsInFlight += 1
            s.maxRequestsInFlight = max(s.maxRequestsInFlight, s.requestsInFlight)
        }
        // Latency is spent while the request counts as in flight.
        if config.faults.latencyMilliseconds > 0 { usleep(UInt32(config.faults.latencyMilliseconds) * 1000) }
        var reply: HTTPReply
        switch admit(request, config: config, sequence: sequence, rateLimitedFor: limited) {
        case .refused(let refusal):
            reply = refusal
        case .admitted(let wireFault, let bodyFault):
            switch route {
            case .usage(let usage):
                let truth = GroundTruth(organization: served ?? organization,
                                        restatement: Restatement(fromHour: config.restateFromHour ?? .max, version: version))
                reply = usage.answer(request.query, truth: truth, config: config, sequence: sequence, wrongType: bodyFault == .wrongType)
            case .directory(let list):
                reply = list.answer(request.query, directory: SimulatedDirectory(organization: served ?? organization, changes: config.directoryChanges))
            }
            if let bodyFault { InjectedFault.damage(&reply, with: bodyFault) }
            reply.fault = wireFault
        }
        state.withLock { s in
            let left = s.inFlight[window, default: 1] - 1
            s.inFlight[window] = left == 0 ? nil : left
            s.requestsInFlight -= 1
        }
        let faultName: String? = reply.fault.map { "\($0)" } ?? (reply.status == 200 ? nil : String(reply.status))
        state.withLock { $0.log.append(RecordedRequest(endpoint: route.name, query: request.query, status: reply.status, fault: faultName,
                                                                organization: served?.organizationID)) }
        AnswerRecorder.fromEnvironment?.record(endpoint: route.name, reply: reply)
        return reply
    }

    /// What a path asks for: a usage or costs page, or a page of the directory.
    private enum Route {
        case usage(UsageRoute)
        case directory(DirectoryRoute)

        var name: String {
            switch self {
            case .usage(let usage): usage.name
            case .directory(let list): list.name
            }
        }
    }

    /// Whether a request gets an answer: its method, authentication, the rate limit, and injected
    /// faults, in that order.
    private enum Admission {
        case refused(HTTPReply)
        /// Answer it, then break the answer on the wire or in its body as drawn.
        case admitted(wireFault: HTTPReply.WireFault?, bodyFault: FaultConfiguration.Kind?)
    }

    private func admit(_ request: HTTPRequest, config: SimulatorConfiguration, sequence: UInt64, rateLimitedFor: Double?) -> Admission {
        guard request.method == "GET" else { return .refused(HTTPReply.apiError(405, "Method not allowed", type: "invalid_request_error")) }
        if let refusal = Authorization.refusal(request, adminKeys: Set([config.adminKey] + moreOrganizations.keys)) { return .refused(refusal) }
        if let retryAfter = rateLimitedFor { return .refused(RateLimit.refusal(retryAfter: retryAfter, limit: config.requestsPerMinute)) }
        switch InjectedFault(config.faults, seed: config.seed, sequence: sequence) {
        case nil: return .admitted(wireFault: nil, bodyFault: nil)
        case .refusal(let reply)?: return .refused(reply)
        case .wire(let fault)?: return .admitted(wireFault: fault, bodyFault: nil)
        case .body(let kind)?: return .admitted(wireFault: nil, bodyFault: kind)
        }
    }
}
