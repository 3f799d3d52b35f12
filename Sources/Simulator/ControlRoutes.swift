import UsageAPI

/// The control routes under `/__sim/`: tests and scripts change the simulator's faults, the
/// directory and restated data, and read its request counts, over HTTP.
extension APISimulator {
    /// `POST /__sim/faults?rate=0.1&kinds=429,500&latency_ms=…&cursor_ttl=…&rpm=…&poison=…`,
    /// `POST /__sim/directory`, `POST /__sim/restate[?from=UNIX]`, `POST /__sim/reset`, `GET /__sim/stats`
    /// (any method: the control routes do not check it, nor the key).
    func control(_ request: HTTPRequest) -> HTTPReply {
        func param(_ name: String) -> String? { request.query.first { $0.0 == name }?.1 }
        switch request.path {
        case "/__sim/faults":
            configure { config in
                if let rate = param("rate").flatMap(Double.init) { config.faults.rate = rate }
                if let kinds = param("kinds") {
                    config.faults.kinds = kinds.split(separator: ",").compactMap { FaultConfiguration.Kind(rawValue: String($0)) }
                }
                if let latency = param("latency_ms").flatMap(Int.init) { config.faults.latencyMilliseconds = latency }
                if let ttl = param("cursor_ttl") { config.faults.cursorTTLSeconds = Int(ttl) }
                if let rpm = param("rpm") { config.requestsPerMinute = Int(rpm) }
                if let poison = param("poison") { config.faults.poisonedPage = PoisonedPage(poison) } // empty: none
            }
            return .json(["ok": true])
        case "/__sim/directory":
            changeDirectory()
            return .json(["ok": true])
        case "/__sim/restate":
            // `from=UNIX` sets where late data lands; without it (and none configured), the last three days.
            let from = param("from").flatMap { Int64($0) }
            let fallback = now - 3 * 86_400
            configure { config in
                if let from { config.restateFromHour = floorDiv(from, 3600) }
                else if config.restateFromHour == nil { config.restateFromHour = floorDiv(fallback, 3600) }
            }
            restate()
            return .json(["ok": true])
        case "/__sim/reset":
            resetCounters()
            return .json(["ok": true])
        case "/__sim/stats":
            let log = requestLog
            var counts: [String: Int] = [:], byOrganization: [String: Int] = [:]
            for entry in log {
                counts[entry.endpoint, default: 0] += 1
                if let organization = entry.organization { byOrganization[organization, default: 0] += 1 }
            }
            return .json([
                "requests": .int(Int64(log.count)),
                "faulted": .int(Int64(log.filter { $0.fault != nil }.count)),
                "max_same_window_in_flight": .int(Int64(maxSameWindowInFlight)),
                "max_requests_in_flight": .int(Int64(maxRequestsInFlight)),
                "by_endpoint": .object(counts.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) }),
                "by_organization": .object(byOrganization.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) }),
            ])
        default:
            return HTTPReply.apiError(404, "Unknown control path", type: "invalid_request_error")
        }
    }
}
