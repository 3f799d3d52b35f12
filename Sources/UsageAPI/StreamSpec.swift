/// What one pipeline loads from one endpoint: a bucket width, a grouping and filters, for one
/// organization. Each spec is a separate slice of the warehouse.
public struct StreamSpec: Sendable, Hashable {
    /// The organization of rows loaded before the admin key's organization was known (the API
    /// told nothing): `default`. Once it is known they are filed under it.
    public static let unknownOrganization = "default"

    public var organization: String
    public var endpoint: Endpoint
    public var width: BucketWidth
    /// Grouping fields in catalog order.
    public var groupBy: [Dimension]
    /// Array filters by parameter name, values sorted.
    public var filters: [String: [String]]
    public var batch: Bool?

    public init(organization: String, endpoint: Endpoint, width: BucketWidth, groupBy: [Dimension],
                filters: [String: [String]] = [:], batch: Bool? = nil) {
        self.organization = organization
        self.endpoint = endpoint
        self.width = width
        self.groupBy = endpoint.groupBy.filter { groupBy.contains($0) }
        self.filters = filters.mapValues { Array(Set($0)).sorted() }.filter { !$0.value.isEmpty }
        self.batch = batch
    }

    /// The finest grouping the endpoint supports, with no filters.
    public static func finest(_ endpoint: Endpoint, width: BucketWidth, organization: String) -> StreamSpec {
        StreamSpec(organization: organization, endpoint: endpoint, width: width, groupBy: endpoint.groupBy)
    }

    /// The filter parameters as a canonical query string (identifies the stream).
    public var canonicalFilters: String {
        var parts: [String] = []
        for name in filters.keys.sorted() { for value in filters[name]! { parts.append("\(name)=\(value)") } }
        if let batch { parts.append("batch=\(batch)") }
        return parts.joined(separator: "&")
    }

    /// Request parameters other than time range, limit and page: repeated keys for arrays,
    /// `true`/`false` for booleans.
    public var queryItems: [(String, String)] {
        var items: [(String, String)] = [("bucket_width", width.rawValue)]
        for dimension in groupBy { items.append(("group_by", dimension.rawValue)) }
        for name in filters.keys.sorted() { for value in filters[name]! { items.append((name, value)) } }
        if let batch { items.append(("batch", batch ? "true" : "false")) }
        return items
    }

    public static func == (lhs: StreamSpec, rhs: StreamSpec) -> Bool {
        lhs.organization == rhs.organization && lhs.endpoint == rhs.endpoint && lhs.width == rhs.width
            && lhs.groupBy == rhs.groupBy && lhs.canonicalFilters == rhs.canonicalFilters
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(organization); hasher.combine(endpoint); hasher.combine(width)
        hasher.combine(groupBy); hasher.combine(canonicalFilters)
    }
}
