import Foundation
import Synchronization

/// A client-side cap on requests per minute, shared by every worker of a run.
public final class RateLimiter: Sendable {
    private let interval: Double
    private let next = Mutex<Double>(0)

    public init(requestsPerMinute: Int) {
        interval = requestsPerMinute > 0 ? 60 / Double(requestsPerMinute) : 0
    }

    /// Blocks until the caller may send one request.
    public func acquire() {
        guard interval > 0 else { return }
        let wait = next.withLock { slot -> Double in
            let now = Date().timeIntervalSince1970
            let start = max(slot, now)
            slot = start + interval
            return start - now
        }
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
    }
}
