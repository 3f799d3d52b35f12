import Testing
@testable import APIClient

/// Retry and backoff decisions, without a server.
@Suite("Retry policy")
struct RetryPolicyTests {
    let policy = RetryPolicy(maxAttempts: 5, baseBackoff: 0.5, maxBackoff: 30)

    @Test(arguments: [(200, RetryPolicy.Verdict.success), (401, .unauthorized), (403, .unauthorized), (429, .transient),
                      (500, .transient), (502, .transient), (503, .transient), (599, .transient),
                      (400, .rejected), (404, .rejected), (409, .rejected), (301, .rejected)])
    func statusesAreClassified(status: Int, verdict: RetryPolicy.Verdict) {
        #expect(RetryPolicy.verdict(status: status) == verdict)
    }

    @Test func theDelayDoublesWithJitterInItsUpperHalfUpToTheCap() {
        for (attempt, full) in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (7, 30.0), (50, 30.0), (10_000, 30.0)] {
            #expect(policy.delay(after: attempt, retryAfter: nil, jitter: 0) == full / 2, "attempt \(attempt), least jitter")
            #expect(policy.delay(after: attempt, retryAfter: nil, jitter: 0.999_999) <= full)
            #expect(policy.delay(after: attempt, retryAfter: nil, jitter: 0.999_999) > full * 0.99)
        }
    }

    @Test func retryAfterIsAFloorNotACeiling() {
        #expect(policy.delay(after: 1, retryAfter: 7, jitter: 0.5) == 7)
        #expect(policy.delay(after: 6, retryAfter: 1, jitter: 0) == 8, "the backoff (16 s, least jitter: 8 s) wins when longer")
    }

    @Test func attemptsAreCountedFromOne() {
        #expect(policy.allowsAnother(after: 4))
        #expect(!policy.allowsAnother(after: 5))
        let once = RetryPolicy(maxAttempts: 0, baseBackoff: 0.5, maxBackoff: 30)
        #expect(once.maxAttempts == 1, "at least one attempt")
        #expect(!once.allowsAnother(after: 1))
    }
}
