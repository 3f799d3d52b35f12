import Foundation
import Synchronization

/// Set by SIGINT/SIGTERM: workers finish or roll back their current window and take no new one.
public enum StopSignal {
    static let requested = Atomic<Bool>(false)

    public static var isRequested: Bool { requested.load(ordering: .relaxed) }

    public static func request() { requested.store(true, ordering: .relaxed) }

    /// Installs handlers for SIGINT and SIGTERM.
    public static func install() {
        signal(SIGINT) { _ in StopSignal.requested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in StopSignal.requested.store(true, ordering: .relaxed) }
    }
}
