import Foundation
import Synchronization

/// A client-side cap on requests per minute, shared by every worker of a run.
public final class RateLimiter: Sendable {
    private let interval: Double
    private let next = Mutex<Double>(0)

    public init(requestsPerMinute: Int) {
        interval = requestsPerMinute > 0 ? 60 / Double(requestsPerMinute) : 0
    }

    /// Blocks until the caller may send one request; false when `shouldStop` turned true while
    /// waiting (checked every quarter second, so a stop never waits out a slow cap).
    @discardableResult
    public func acquire(shouldStop: () -> Bool = { false }) -> Bool {
        guard interval > 0 else { return true }
        let wait = next.withLock { slot -> Double in
            let now = Date().timeIntervalSince1970
            let start = max(slot, now)
            slot = start + interval
            return start - now
        }
        return RateLimiter.sleep(wait, unless: shouldStop)
    }

    /// How long a request asked for now would wait for its slot (0: none).
    public var wait: Double {
        guard interval > 0 else { return 0 }
        return next.withLock { max($0 - Date().timeIntervalSince1970, 0) }
    }

    /// Sleeps `seconds` in steps of at most a quarter second; false as soon as `shouldStop` is true.
    public static func sleep(_ seconds: Double, unless shouldStop: () -> Bool) -> Bool {
        let end = Date().timeIntervalSince1970 + seconds
        while true {
            if shouldStop() { return false }
            let left = end - Date().timeIntervalSince1970
            if left <= 0 { return true }
            Thread.sleep(forTimeInterval: min(left, 0.25))
        }
    }
}
