/// The usage endpoints and costs, as the API description, the live API and the API reference of
/// 2026-11 (decisions, `api_source`, the cache-write split) define them. `all.count` is how many
/// there are; wording elsewhere follows it.
public enum EndpointCatalog {
    static let usageLimits: [BucketWidth: (defaultLimit: Int, maxLimit: Int)] = [
        .day: (7, 31), .hour: (24, 168), .minute: (60, 1440),
    ]
    static let standardGroups: [Dimension] = [.projectID, .userID, .apiKeyID, .model]
    static let standardFilters: [String: Dimension] = [
        "project_ids": .projectID, "user_ids": .userID, "api_key_ids": .apiKeyID, "models": .model,
    ]

    private static func usage(_ name: String, object: String? = nil, groups: [Dimension] = standardGroups, carried: [Dimension] = [],
                              filters: [String: Dimension] = standardFilters, booleans: [String] = [],
                              metrics: [Metric]) -> Endpoint {
        Endpoint(name: name, path: "/organization/usage/" + name, widths: [.minute, .hour, .day],
                 limits: usageLimits, groupBy: groups, carriedDimensions: carried, arrayFilters: filters, booleanFilters: booleans,
                 resultObject: "organization.usage.\(object ?? name).result", metrics: metrics)
    }

    /// The token metrics of completions and decisions after the required `input_tokens`, in the
    /// API's order (all optional).
    private static let tokenDetail: [Metric] = [
        "input_cached_tokens", "input_cache_write_tokens", "input_uncached_tokens",
    ].map { Metric($0, required: false) }
    private static let tokenModalities: [Metric] = [
        "input_text_tokens", "output_text_tokens", "input_cached_text_tokens", "input_audio_tokens",
        "input_cached_audio_tokens", "output_audio_tokens", "input_image_tokens", "input_cached_image_tokens", "output_image_tokens",
    ].map { Metric($0, required: false) }
    /// Cache writes kept 30 minutes and 12 hours (the reference of 2026-11).
    private static let cacheWriteSplit: [Metric] = [
        Metric("input_cache_write_30m_tokens", required: false), Metric("input_cache_write_12h_tokens", required: false),
    ]

    /// Completions: the cache-write split and `api_source` came after the first release, so they
    /// follow its fields (the warehouse appended their columns).
    public static let completions = usage(
        "completions", groups: standardGroups + [.batch, .serviceTier], carried: [.apiSource], booleans: ["batch"],
        metrics: [Metric("input_tokens")] + tokenDetail + [Metric("output_tokens")] + tokenModalities + [Metric("num_model_requests")]
            + cacheWriteSplit)
    /// Decisions (`POST /v1/decisions`), from the API reference of 2026-11: completions' fields,
    /// groupable by `api_source` too.
    public static let decisions = usage(
        "decisions", groups: standardGroups + [.batch, .serviceTier, .apiSource], booleans: ["batch"],
        metrics: [Metric("input_tokens")] + tokenDetail + cacheWriteSplit + [Metric("output_tokens")] + tokenModalities
            + [Metric("num_model_requests")])
    public static let embeddings = usage("embeddings", metrics: [Metric("input_tokens"), Metric("num_model_requests")])
    public static let moderations = usage("moderations", metrics: [Metric("input_tokens"), Metric("num_model_requests")])
    public static let images = usage(
        "images", groups: standardGroups + [.size, .source],
        filters: standardFilters.merging(["sizes": .size, "sources": .source]) { $1 },
        metrics: [Metric("images"), Metric("num_model_requests")])
    public static let audioSpeeches = usage("audio_speeches", metrics: [Metric("characters"), Metric("num_model_requests")])
    public static let audioTranscriptions = usage("audio_transcriptions", metrics: [Metric("seconds"), Metric("num_model_requests")])
    public static let vectorStores = usage("vector_stores", groups: [.projectID], filters: ["project_ids": .projectID],
                                           metrics: [Metric("usage_bytes")])
    public static let codeInterpreterSessions = usage("code_interpreter_sessions", groups: [.projectID],
                                                      filters: ["project_ids": .projectID], metrics: [Metric("num_sessions")])
    public static let fileSearchCalls = usage(
        "file_search_calls", object: "file_searches", groups: [.projectID, .userID, .apiKeyID, .vectorStoreID],
        filters: ["project_ids": .projectID, "user_ids": .userID, "api_key_ids": .apiKeyID, "vector_store_ids": .vectorStoreID],
        metrics: [Metric("num_requests")])
    public static let webSearchCalls = usage(
        "web_search_calls", object: "web_searches", groups: standardGroups + [.contextLevel],
        filters: standardFilters.merging(["context_levels": .contextLevel]) { $1 },
        metrics: [Metric("num_model_requests"), Metric("num_requests")])
    /// Costs: daily buckets only; `api_key_id` grouping is described but refused by the live API.
    public static let costs = Endpoint(
        name: "costs", path: "/organization/costs", widths: [.day], limits: [.day: (7, 180)],
        groupBy: [.projectID, .lineItem], carriedDimensions: [.apiKeyID], arrayFilters: ["project_ids": .projectID, "api_key_ids": .apiKeyID],
        booleanFilters: [], resultObject: "organization.costs.result",
        metrics: [Metric("amount", .decimal, required: false), Metric("currency", .text, required: false),
                  Metric("quantity", .decimal, required: false), Metric("quantity_unit", .text, required: false)])

    /// Every endpoint, in the order operators see them.
    public static let all: [Endpoint] = [
        completions, embeddings, moderations, images, audioSpeeches, audioTranscriptions,
        vectorStores, codeInterpreterSessions, fileSearchCalls, webSearchCalls, decisions, costs,
    ]

    /// How far back the API serves usage and costs: a request reaching further is refused with
    /// `reporting_lookback_exceeded`. The planner, the commands and the simulator all use this one figure.
    public static let reportingHistorySeconds: Int64 = 365 * 86_400

    public static func named(_ name: String) -> Endpoint? { all.first { $0.name == name } }
}
