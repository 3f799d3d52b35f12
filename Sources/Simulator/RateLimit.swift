import Foundation

/// The requests-per-minute budget: the times of the requests admitted in the last minute, and
/// the 429 with `Retry-After` answered once the budget is spent.
struct RateLimit {
    /// When the requests of the last minute were admitted, oldest first (Unix seconds).
    private var recent: [Double] = []

    /// Counts a request arriving at `now` against `limit` requests a minute (nil: unlimited).
    /// Returns nil when it is within the budget (and counts it), else the seconds until the
    /// oldest admitted request leaves the window (at least 1).
    mutating func take(limit: Int?, now: Double) -> Double? {
        guard let limit else { return nil }
        recent.removeAll { $0 <= now - 60 }
        if recent.count >= limit {
            // A limit of 0 (or less) refuses everything: a minute from now, with nothing admitted.
            return max(1, (recent.first ?? now) + 60 - now)
        }
        recent.append(now)
        return nil
    }

    /// The answer to a request over the budget of `limit` a minute, `retryAfter` seconds early.
    static func refusal(retryAfter: Double, limit: Int?) -> HTTPReply {
        var reply = HTTPReply.apiError(429, "Rate limit reached for requests. Please try again later.", type: "requests", code: "rate_limit_exceeded")
        reply.headers += [("Retry-After", String(Int(retryAfter.rounded(.up)))),
                          ("x-ratelimit-limit-requests", String(limit ?? 0)),
                          ("x-ratelimit-remaining-requests", "0"),
                          ("x-ratelimit-reset-requests", "\(Int(retryAfter.rounded(.up)))s")]
        return reply
    }
}
