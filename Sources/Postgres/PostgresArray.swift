/// Text-format PostgreSQL array literals for parameters (cast them in SQL: `$1::text[]`, `$1::bigint[]`).
public enum PostgresArray {
    public static func text(_ values: [String]) -> PostgresValue {
        .text("{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}")
    }

    public static func integers(_ values: [Int64]) -> PostgresValue {
        .text("{" + values.map(String.init).joined(separator: ",") + "}")
    }
}
