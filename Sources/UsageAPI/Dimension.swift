/// A field a usage or costs result can be grouped by, named as the API names it.
public enum Dimension: String, Sendable, CaseIterable, Comparable {
    case projectID = "project_id"
    case userID = "user_id"
    case apiKeyID = "api_key_id"
    case model
    case batch
    case serviceTier = "service_tier"
    case size
    case source
    case contextLevel = "context_level"
    case vectorStoreID = "vector_store_id"
    case lineItem = "line_item"
    /// Decisions (and, not groupable, completions): `agents_api` or `unlabeled` when grouped.
    case apiSource = "api_source"

    /// True when the API returns this field as a JSON boolean.
    public var isBoolean: Bool { self == .batch }

    public static func < (lhs: Dimension, rhs: Dimension) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }
}
