import UsageAPI

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
    /// Hostile input: every page of one window carries a damaged string (see `PoisonedPage`).
    public var poisonedPage: PoisonedPage?
    /// Fields the API has started to send that a loader may not know yet, by endpoint name: each
    /// usage result also carries these as integers (a deterministic share of its first metric).
    public var newFields: [String: [String]] = [:]

    /// Whether `endpoint` names a usage endpoint, whose results can carry `newFields`.
    public static func servesNewFields(on endpoint: String) -> Bool {
        EndpointCatalog.named(endpoint).map { !$0.isCosts } ?? false
    }

    public init() {}
}

/// A damaged string in every page of `endpoint` that holds the bucket starting at `bucketStart`,
/// each time it is asked for (so a refetch gets it again): the first model name (else project, line
/// item, or an extra field) gets `x` and the damage in front of it.
public struct PoisonedPage: Sendable, Equatable {
    public enum Damage: String, Sendable, CaseIterable {
        /// `\ud800\u0041`: a high surrogate followed by an escape that is not a low one (valid JSON syntax).
        case loneSurrogate = "lone-surrogate"
        /// `\q`: an escape JSON does not have, so the page is not JSON at all.
        case invalidEscape = "invalid-escape"

        var text: String {
            switch self {
            case .loneSurrogate: #"x\ud800\u0041"#
            case .invalidEscape: #"x\q"#
            }
        }
    }

    public var endpoint: String
    public var bucketStart: Int64
    public var damage: Damage

    public init(endpoint: String, bucketStart: Int64, damage: Damage) {
        self.endpoint = endpoint
        self.bucketStart = bucketStart
        self.damage = damage
    }

    /// `ENDPOINT@UNIX[:DAMAGE]`, e.g. `completions@1764547200:invalid-escape` (damage: lone-surrogate).
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        let target = parts.first?.split(separator: "@").map(String.init) ?? []
        guard target.count == 2, let start = Int64(target[1]) else { return nil }
        let damage = parts.count > 1 ? Damage(rawValue: parts[1]) : .loneSurrogate
        guard let damage else { return nil }
        self.init(endpoint: target[0], bucketStart: start, damage: damage)
    }

    /// `body` with the damage written into its first string value that the decoder reads.
    func apply(to body: [UInt8]) -> [UInt8] {
        let damage = Array(self.damage.text.utf8)
        for field in ["\"model\":\"", "\"project_id\":\"", "\"line_item\":\""] {
            if let at = Self.find(Array(field.utf8), in: body) { return Array(body[..<at]) + damage + Array(body[at...]) }
        }
        let results = Array("\"results\":[{".utf8)
        if let at = Self.find(results, in: body) {
            return Array(body[..<at]) + Array("\"note\":\"".utf8) + damage + Array("\",".utf8) + Array(body[at...])
        }
        return body
    }

    /// The index just past the first occurrence of `needle` in `haystack`.
    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start + needle.count }
        }
        return nil
    }
}

/// Everything that shapes the simulator's behaviour.
public struct SimulatorConfiguration: Sendable {
    public var seed: UInt64 = 42
    public var preset: SyntheticOrganization.Preset = .small
    /// The admin key the simulator accepts. Other `sk-admin-` keys get 401; project keys get 403.
    public var adminKey = "sk-admin-simulator-key"
    /// More organizations served beside the first, each behind its own admin key, with its own
    /// synthetic data (from its seed, at the same preset) and its own rate limit.
    public var moreOrganizations: [OrganizationKey] = []
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

/// An organization the simulator serves beside its first: the admin key that reads it and the seed
/// of its synthetic data.
public struct OrganizationKey: Sendable, Equatable {
    public var adminKey: String
    public var seed: UInt64

    public init(adminKey: String, seed: UInt64) {
        self.adminKey = adminKey
        self.seed = seed
    }

    /// `KEY:SEED`, e.g. `sk-admin-second:7`; nil when either part is missing or the seed is not a number.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let seed = UInt64(text[text.index(after: colon)...]) else { return nil }
        let key = String(text[..<colon])
        guard !key.isEmpty, !key.contains(where: { $0.isWhitespace }) else { return nil }
        self.init(adminKey: key, seed: seed)
    }
}
