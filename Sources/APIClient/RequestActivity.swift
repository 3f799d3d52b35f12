import Foundation
import Synchronization

/// What a run's HTTP clients are doing right now, for the operator's progress line: requests in
/// flight, requests waiting for the rate cap, and the end of a `Retry-After` wait. Shared by every
/// worker of a run; each update is one atomic step.
public final class RequestActivity: Sendable {
    private let inFlight = Atomic<Int>(0)
    private let waitingForCap = Atomic<Int>(0)
    /// Unix time (milliseconds) until which a worker waits because the API said `Retry-After`.
    private let retryAfterUntil = Atomic<Int64>(0)

    public init() {}

    /// A snapshot of the activity.
    public struct Snapshot: Sendable, Equatable {
        public var inFlight: Int
        public var waitingForCap: Int
        /// Seconds left of the longest `Retry-After` wait in progress (0: none).
        public var retryAfterSeconds: Double
    }

    public var snapshot: Snapshot {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let until = retryAfterUntil.load(ordering: .relaxed)
        return Snapshot(inFlight: inFlight.load(ordering: .relaxed), waitingForCap: waitingForCap.load(ordering: .relaxed),
                        retryAfterSeconds: until > now ? Double(until - now) / 1000 : 0)
    }

    func beginRequest() { inFlight.add(1, ordering: .relaxed) }
    func endRequest() { inFlight.subtract(1, ordering: .relaxed) }
    func beginCapWait() { waitingForCap.add(1, ordering: .relaxed) }
    func endCapWait() { waitingForCap.subtract(1, ordering: .relaxed) }

    /// A worker waits `seconds` because the API answered with `Retry-After`.
    func retryAfter(_ seconds: Double) {
        guard seconds.isFinite, seconds > 0 else { return }
        let until = Int64((Date().timeIntervalSince1970 + min(seconds, 86_400)) * 1000)
        _ = retryAfterUntil.max(until, ordering: .relaxed)
    }
}
