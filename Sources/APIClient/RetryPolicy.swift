import Foundation

/// When a request is tried again and how long to wait first: pure, so it is unit-tested without a
/// server. 429 and 5xx answers, transport failures and damaged bodies are retried; 401/403 and
/// other 4xx are final. The wait doubles each attempt from `baseBackoff`, capped at `maxBackoff`,
/// with jitter (a random half to whole of it), and is never shorter than the server's Retry-After.
public struct RetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var baseBackoff: Double
    public var maxBackoff: Double

    public init(maxAttempts: Int, baseBackoff: Double, maxBackoff: Double) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseBackoff = baseBackoff
        self.maxBackoff = maxBackoff
    }

    /// What an HTTP status means for the request.
    public enum Verdict: Equatable, Sendable {
        case success
        /// The key was refused: the whole run stops.
        case unauthorized
        /// Worth another attempt (after the server's Retry-After, if any).
        case transient
        /// Another attempt would get the same answer.
        case rejected
    }

    public static func verdict(status: Int) -> Verdict {
        switch status {
        case 200: .success
        case 401, 403: .unauthorized
        case 429, 500...599: .transient
        default: .rejected
        }
    }

    /// Whether attempt `attempt` (1-based) failing leaves another.
    public func allowsAnother(after attempt: Int) -> Bool { attempt < maxAttempts }

    /// Seconds to wait after failed attempt `attempt` (1-based). `jitter` in [0, 1) picks where in
    /// the upper half of the exponential delay the wait falls; `retryAfter` is the server's ask.
    public func delay(after attempt: Int, retryAfter: Double?, jitter: Double) -> Double {
        // In Double, so no attempt number overflows; past 2^62 the cap has long been reached.
        let exponential = min(maxBackoff, baseBackoff * pow(2, Double(min(max(attempt - 1, 0), 62))))
        let jittered = exponential * (0.5 + min(max(jitter, 0), 1) * 0.5)
        return max(retryAfter ?? 0, jittered)
    }
}
