import Foundation
import Synchronization

/// Set by SIGINT/SIGTERM: workers finish or roll back their current window and take no new one.
public enum StopSignal {
    static let requested = Atomic<Bool>(false)

    public static var isRequested: Bool { requested.load(ordering: .relaxed) }

    public static func request() { requested.store(true, ordering: .relaxed) }

    /// Installs handlers for SIGINT and SIGTERM, and unblocks both on the calling thread: a parent
    /// (a scheduler, a test harness) may have started us with them blocked.
    public static func install() {
        signal(SIGINT) { _ in StopSignal.requested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in StopSignal.requested.store(true, ordering: .relaxed) }
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
