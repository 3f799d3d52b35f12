/// Faults the simulator injects, deterministically under the seed.
public struct FaultConfiguration: Sendable, Equatable {
    /// A failure injected into a request.
    public enum Kind: String, Sendable, CaseIterable {
        case rateLimited = "429"
        case serverError = "500"
        case badGateway = "502"
        case unavailable = "503"
        case reset
        case truncated
        case malformed
        case wrongType = "wrong-type"
        case timeout
    }

    /// Fraction of usage/costs requests that fail, 0…1.
    public var rate: Double = 0
    /// The kinds drawn from when a request fails.
    public var kinds: [Kind] = Kind.allCases
    /// Latency added to every request.
    public var latencyMilliseconds: Int = 0
    /// How long a `timeout` fault stalls before answering.
    public var timeoutMilliseconds: Int = 3_000
    /// Page cursors older than this are refused (nil: they never expire).
    public var cursorTTLSeconds: Int?
    /// Live quirk: the costs endpoint ends with an empty page that still says `has_more: true`.
    public var costsEmptyPageQuirk = false
    /// Live quirk: older spellings `result` (for `results`) and `sessions` (for `num_sessions`).
    public var oldSpellings = false
    /// Live quirk: `amount.value` as a numeric string.
    public var amountAsString = false
    /// A broken API: every continued page points back at itself (`next_page` equals the cursor sent).
    public var loopingCursor = false
    /// Live quirk: the first result of each bucket split into two with identical dimensions.
    public var duplicateResults = false
    /// Live quirk: pages hold at most this many buckets, whatever `limit` asked (nil: `limit`).
    public var shortPageBuckets: Int?
    /// A broken API: every continued page is empty and says `has_more: false`, buckets still missing.
    public var earlyEmptyPage = false
    /// An organization the probe cannot tell: costs results carry no `organization_id`.
    public var omitOrganizationID = false

    public init() {}
}

/// Everything that shapes the simulator's behaviour.
public struct SimulatorConfiguration: Sendable {
    public var seed: UInt64 = 42
    public var preset: SyntheticOrganization.Preset = .small
    /// The admin key the simulator accepts. Other `sk-admin-` keys get 401; project keys get 403.
    public var adminKey = "sk-admin-simulator-key"
    /// Requests per minute before 429 (nil: unlimited).
    public var requestsPerMinute: Int?
    /// A fixed clock (Unix seconds) for deterministic runs; nil uses the real time.
    public var now: Int64?
    public var faults = FaultConfiguration()
    /// Hours from which data is restated (nil: no restatement).
    public var restateFromHour: Int64?
    /// How many steps of organisation life the directory has seen (renames, archiving, deletions; see `SimulatedDirectory`).
    public var directoryChanges = 0

    public init() {}
}
