/// Faults injected into requests on demand (`FaultConfiguration.rate` and `kinds`): whether a
/// request gets one, and which, is decided by the seed and the request's sequence number alone,
/// so a run repeats exactly.
enum InjectedFault {
    /// An error answered instead of the page.
    case refusal(HTTPReply)
    /// The page answered, then broken on the wire.
    case wire(HTTPReply.WireFault)
    /// The page answered with a broken body (`malformed`, `wrongType`).
    case body(FaultConfiguration.Kind)

    /// The fault drawn for request number `sequence` under `seed`; nil when it gets none.
    init?(_ faults: FaultConfiguration, seed: UInt64, sequence: UInt64) {
        guard faults.rate > 0, !faults.kinds.isEmpty, Mix.unit(seed, 0xFA17, sequence) < faults.rate else { return nil }
        let kind = faults.kinds[Int(Mix.hash(seed, 0xF00D, sequence) % UInt64(faults.kinds.count))]
        switch kind {
        case .rateLimited:
            var reply = HTTPReply.apiError(429, "Rate limit reached for requests.", type: "requests", code: "rate_limit_exceeded")
            reply.headers += [("Retry-After", "1"), ("retry-after-ms", "200"), ("x-ratelimit-remaining-requests", "0")]
            self = .refusal(reply)
        case .serverError: self = .refusal(.apiError(500, "The server had an error while processing your request.", type: "server_error"))
        case .badGateway: self = .refusal(HTTPReply(status: 502, headers: [("Content-Type", "text/html")], body: Array("<html><body>502 Bad Gateway</body></html>".utf8)))
        case .unavailable: self = .refusal(.apiError(503, "The engine is currently overloaded, please try again later.", type: "server_error"))
        case .timeout:
            var reply = HTTPReply.apiError(503, "Timed out", type: "server_error")
            reply.delayMilliseconds = faults.timeoutMilliseconds
            self = .refusal(reply)
        case .reset: self = .wire(.resetMidBody)
        case .truncated: self = .wire(.truncateBody)
        case .malformed, .wrongType: self = .body(kind)
        }
    }

    /// Breaks the body of a page (status 200) answered under the body fault `kind`: `malformed`
    /// cuts it to two thirds and appends what a proxy might (`wrongType` was written into the page
    /// by the page writer); either way it is marked as breaking the schema.
    static func damage(_ reply: inout HTTPReply, with kind: FaultConfiguration.Kind) {
        guard reply.status == 200 else { return }
        if kind == .malformed {
            reply.body = Array(reply.body.prefix(max(1, reply.body.count * 2 / 3))) + Array("<!-- upstream -->".utf8)
        }
        reply.deviatesFromSchema = true
    }
}
