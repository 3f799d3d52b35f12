import Postgres
import TestSupport
import Testing
import UsageAPI
import Warehouse

/// The endpoint catalog (what the API returns), the fact tables (what is stored) and the contract
/// views (what analysts read) agree, column by column and type by type, for every endpoint.
@Suite("Catalog, fact tables and contract views agree")
struct CatalogSchemaTests {
    static func columns(_ connection: PostgresConnection, schema: String, table: String) throws -> [(name: String, type: String)] {
        try connection.query("""
            SELECT column_name, data_type FROM information_schema.columns
            WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position
            """, [.text(schema), .text(table)]).typedRows.map { try $0.decode(String.self, String.self) }
    }

    static func sqlType(_ metric: Metric) -> String {
        switch metric.kind {
        case .count: "bigint"
        case .decimal: "numeric"
        case .text: "text"
        }
    }

    static let bucketColumns = ["bucket_start", "bucket_end", "bucket_width"]

    /// Columns a later migration appended to an existing table or view (ALTER TABLE and CREATE OR
    /// REPLACE VIEW can only add at the end), in the order it added them: they stand last.
    static let appended: [String: (fact: [String], view: [String])] = [
        "completions": (fact: ["input_cache_write_30m_tokens", "input_cache_write_12h_tokens", "api_source_key"],
                        view: ["input_cache_write_30m_tokens", "input_cache_write_12h_tokens", "api_source"]),
    ]

    /// `columns` in catalog order, with the appended ones moved to the end in the order they were added.
    static func physicalOrder(_ columns: [String], appended: [String]) -> [String] {
        columns.filter { !appended.contains($0) } + appended
    }

    @Test(arguments: EndpointCatalog.all)
    func factTableAndContractViewMatchTheCatalog(endpoint: Endpoint) throws {
        let connection = try PostgresConnection(try TestDatabase.shared("test_catalog_schema"))
        try Migrator().migrate(connection)

        let fact = try Self.columns(connection, schema: "warehouse", table: endpoint.factTable)
        let appended = Self.appended[endpoint.name] ?? (fact: [], view: [])
        let expectedFact = Self.physicalOrder(["stream_id", "organization_key"] + Self.bucketColumns + endpoint.factKeyColumns + endpoint.metrics.map(\.name),
                                              appended: appended.fact)
        #expect(fact.map(\.name) == expectedFact, "warehouse.\(endpoint.factTable)")
        for key in endpoint.factKeyColumns {
            #expect(fact.first { $0.name == key }?.type == "integer", "warehouse.\(endpoint.factTable).\(key) is a surrogate key")
        }
        // The load sends every column in binary COPY, whose field forms must be the columns' types.
        let loaded = ["stream_id": "integer", "organization_key": "integer", "bucket_start": "timestamp with time zone",
                      "bucket_end": "timestamp with time zone", "bucket_width": "text"]
        for (column, type) in loaded { #expect(fact.first { $0.name == column }?.type == type, "warehouse.\(endpoint.factTable).\(column)") }
        for metric in endpoint.metrics {
            #expect(fact.first { $0.name == metric.name }?.type == Self.sqlType(metric), "warehouse.\(endpoint.factTable).\(metric.name)")
        }

        let view = try Self.columns(connection, schema: "analytics", table: endpoint.contractView)
        let expectedView = Self.physicalOrder(["organization_id"] + Self.bucketColumns + endpoint.resultDimensions.map(\.rawValue) + endpoint.metrics.map(\.name),
                                              appended: appended.view)
        #expect(view.map(\.name) == expectedView, "analytics.\(endpoint.contractView)")
        for dimension in endpoint.resultDimensions {
            #expect(view.first { $0.name == dimension.rawValue }?.type == (dimension.isBoolean ? "boolean" : "text"),
                    "analytics.\(endpoint.contractView).\(dimension.rawValue)")
        }
        for metric in endpoint.metrics {
            #expect(fact.first { $0.name == metric.name }?.type == Self.sqlType(metric), "warehouse.\(endpoint.factTable).\(metric.name)")
            #expect(view.first { $0.name == metric.name }?.type == Self.sqlType(metric), "analytics.\(endpoint.contractView).\(metric.name)")
        }
    }

    /// Every fact table and contract view in the database belongs to an endpoint of the catalog.
    @Test func noTableOrViewOutsideTheCatalog() throws {
        let connection = try PostgresConnection(try TestDatabase.shared("test_catalog_schema"))
        try Migrator().migrate(connection)
        let facts = try connection.query("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'warehouse' AND c.relname LIKE 'fact\\_%' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1
            """).typedRows.map { try $0.decode(String.self) }
        #expect(facts == EndpointCatalog.all.map(\.factTable).sorted())
        let contracts = try connection.query("""
            SELECT table_name FROM information_schema.views WHERE table_schema = 'analytics' AND (table_name LIKE '%\\_usage' OR table_name = 'costs')
            ORDER BY 1
            """).typedRows.map { try $0.decode(String.self) }
        #expect(contracts == EndpointCatalog.all.map(\.contractView).sorted())
    }
}
