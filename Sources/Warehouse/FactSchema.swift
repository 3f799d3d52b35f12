import UsageAPI

// Where the API's endpoints and dimensions live in the warehouse. The API model (UsageAPI) knows
// no table names; this is the one place that maps it onto them.

extension Endpoint {
    /// The fact table in schema `warehouse`: `fact_<endpoint>`.
    public var factTable: String { "fact_" + name }

    /// The contract view in schema `analytics`: the API's field names over the fact table
    /// (`<endpoint>_usage`; for costs, `costs`).
    public var contractView: String { isCosts ? "costs" : name + "_usage" }

    /// The fact table's dimension key columns, in the order the decoder gives result dimensions.
    public var factKeyColumns: [String] { resultDimensions.map(\.keyColumn) }
}

extension Dimension {
    /// The warehouse dimension table (`warehouse.dim_<table>`) that holds this field's values.
    public var table: String {
        switch self {
        case .projectID: "project"
        case .userID: "user"
        case .apiKeyID: "api_key"
        case .model: "model"
        case .batch: "batch"
        case .serviceTier: "service_tier"
        case .size: "image_size"
        case .source: "image_source"
        case .contextLevel: "context_level"
        case .vectorStoreID: "vector_store"
        case .lineItem: "line_item"
        case .apiSource: "api_source"
        }
    }

    /// The fact-table column holding the surrogate key.
    public var keyColumn: String { table + "_key" }
}
