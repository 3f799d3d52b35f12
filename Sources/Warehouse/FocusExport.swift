import Postgres

/// `analytics.focus_costs` read in batches through a server-side cursor, so an export of any size
/// never holds the whole result: rows as text values (CSV) or as JSON objects (JSON Lines).
public struct FocusExport {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// The view's columns, in the order they are exported (the specification's names).
    public static let columns = [
        "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd",
        "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodStart", "ChargePeriodEnd",
        "ContractedCost", "EffectiveCost", "InvoiceIssuerName", "ListCost", "PricingQuantity", "PricingUnit", "ProviderName",
        "PublisherName", "ServiceCategory", "ServiceName", "ServiceSubcategory", "ConsumedQuantity", "ConsumedUnit", "SkuId",
        "SkuPriceId", "SubAccountId", "SubAccountName", "Tags",
    ]

    /// Date-time columns, written as ISO 8601 UTC (`2026-11-01T00:00:00Z`).
    static let times: Set<String> = ["BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd"]

    public enum Format: String, Sendable, CaseIterable { case csv, jsonl }

    /// Calls `batch` with the rows of `[since, until)` (charge periods starting in it), optionally
    /// of one organization, in charge order, `batchSize` rows at a time: each row as its columns'
    /// text (nil: NULL) for CSV, or as one JSON object's text for JSON Lines. Returns the row count.
    @discardableResult
    public func stream(since: Int64, until: Int64, organization: String?, format: Format, batchSize: Int = 2_000,
                       _ batch: ([[String?]]) throws -> Void) throws -> Int {
        let select = Self.columns.map { column -> String in
            Self.times.contains(column) ? "to_char(\"\(column)\", 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS \"\(column)\"" : "\"\(column)\""
        }.joined(separator: ", ")
        let rows = """
            SELECT \(select) FROM analytics.focus_costs
            WHERE "ChargePeriodStart" >= to_timestamp($1) AND "ChargePeriodStart" < to_timestamp($2)
              AND ($3::text IS NULL OR "BillingAccountId" = $3)
            ORDER BY "ChargePeriodStart", "BillingAccountId", "SubAccountId", "ChargeDescription", "BillingCurrency"
            """
        let query = format == .csv ? rows : "SELECT row_to_json(f)::text FROM (\(rows)) f"
        return try connection.transaction {
            try connection.execute(script: "SET LOCAL TIME ZONE 'UTC'")
            try connection.query("DECLARE focus_export NO SCROLL CURSOR FOR \(query)",
                                 [.int64(since), .int64(until), organization.map { .text($0) } ?? .null])
            var count = 0
            while true {
                let result = try connection.query("FETCH \(max(1, batchSize)) FROM focus_export")
                if result.rows.isEmpty { break }
                count += result.rows.count
                try batch(result.rows)
            }
            try connection.execute(script: "CLOSE focus_export")
            return count
        }
    }
}
