import JSON
import UsageAPI

/// Finds which organization an admin key belongs to, so rows are filed under the real
/// organization id and one warehouse can hold several organizations.
///
/// `OPENAI_ORGANIZATION` wins when set. Otherwise one costs request over the last `days` days
/// (one page: the costs cap is 180 buckets) reads the `organization_id` the live API puts on every
/// costs result. An organization with no costs in that time cannot be told apart and is filed as
/// `default` until a later run learns its id.
public struct OrganizationProbe {
    public static let fallback = StreamSpec.unknownOrganization
    public static let days: Int64 = 179

    public let client: UsageAPIClient

    public init(client: UsageAPIClient) { self.client = client }

    /// The organization id, or `fallback` when the API does not say.
    public func organization(now: Int64) throws -> String {
        if let configured = client.configuration.organizationHeader, !configured.isEmpty { return configured }
        let today = floorDiv(now, 86_400) * 86_400
        let spec = StreamSpec(organization: Self.fallback, endpoint: EndpointCatalog.costs, width: .day, groupBy: [])
        let fetched = try client.fetch(spec, window: TimeRange(start: today - Self.days * 86_400, end: today + 86_400), cursor: nil)
        guard case .array(let buckets)? = try JSONParser.parse(fetched.body.decompressed())["data"] else { return Self.fallback }
        for bucket in buckets {
            guard case .array(let results)? = bucket["results"] ?? bucket["result"] else { continue }
            for result in results {
                if let id = result.string("organization_id").map(PageDecoder.storable), !id.isEmpty { return id }
            }
        }
        return Self.fallback
    }
}
