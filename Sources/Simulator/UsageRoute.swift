import Foundation
import UsageAPI

/// One of the usage and costs endpoints: what a path asks for, and the page it answers: the
/// parameters read, the page chosen from the ground truth and written, with the headers and the
/// damage (`poisonedPage`) the configuration asks for.
struct UsageRoute {
    let endpoint: Endpoint

    /// Recognises the catalog's paths (without the `/v1` prefix).
    init?(path: String) {
        guard let endpoint = EndpointCatalog.all.first(where: { $0.path == path }) else { return nil }
        self.endpoint = endpoint
    }

    /// The name requests are counted and recorded under (the endpoint's).
    var name: String { endpoint.name }

    /// The page for these parameters, or the error the API gives. `sequence` is the request's
    /// number (its `x-request-id`); `wrongType` sends the first count of the page as a string.
    func answer(_ parameters: [(String, String)], truth: GroundTruth, config: SimulatorConfiguration, sequence: UInt64,
                wrongType: Bool) -> HTTPReply {
        let faults = config.faults
        let now = config.now ?? Int64(Date().timeIntervalSince1970)
        let parsed: UsageQuery.Parsed
        switch UsageQuery.parse(parameters, endpoint: endpoint, now: now, cursorTTLSeconds: faults.cursorTTLSeconds) {
        case .failure(let failure): return failure.reply
        case .success(let success): parsed = success
        }
        guard let page = UsagePage(ranges: truth.bucketRanges(parsed.query, now: now), pageStart: parsed.pageStart,
                                   limit: parsed.query.limit, isCosts: endpoint.isCosts, faults: faults) else {
            return .apiError(400, "Invalid page cursor.", type: "invalid_request_error", param: "page", code: "invalid_cursor")
        }
        let nextPage = page.nextStart.map { PageCursor(start: $0, issuedAt: now).text(query: parameters) }
        let writer = UsagePageWriter(query: parsed.query, truth: truth, now: now, faults: faults)
        var reply = HTTPReply(status: 200, headers: [("Content-Type", "application/json"), ("x-request-id", "req_\(sequence)")],
                              body: writer.write(page, nextPage: nextPage, wrongType: wrongType))
        if let rpm = config.requestsPerMinute {
            reply.headers.append(("x-ratelimit-limit-requests", String(rpm)))
        }
        reply.deviatesFromSchema = faults.oldSpellings || faults.amountAsString
        if let poison = faults.poisonedPage, poison.endpoint == endpoint.name, page.holds(bucketStart: poison.bucketStart) {
            reply.body = poison.apply(to: reply.body)
            reply.deviatesFromSchema = true
        }
        return reply
    }
}
