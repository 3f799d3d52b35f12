/// A value that can be read from a column in PostgreSQL's text format.
public protocol PostgresTextDecodable {
    /// Decodes `text` (nil: SQL NULL) or throws `PostgresDecodingError`.
    static func decode(_ text: String?, column: String) throws -> Self
}

/// A column that did not hold what the reader expected: NULL where a value must be, text that is
/// not the type asked for, fewer columns than read.
public struct PostgresDecodingError: Error, CustomStringConvertible, Sendable {
    public var column: String
    public var reason: String
    public var description: String { "unexpected value in column \(column) from PostgreSQL: \(reason)" }

    public init(column: String, reason: String) {
        self.column = column
        self.reason = reason
    }
}

/// One row of a `QueryResult`, read column by column in order as typed values:
/// `let (id, name) = try row.decode(Int64.self, String?.self)`.
public struct PostgresRow: Sendable {
    public let columns: [String]
    public let values: [String?]

    /// The row's columns, in order, as the given types (`Optional` for nullable columns).
    public func decode<each T: PostgresTextDecodable>(_ types: repeat (each T).Type) throws -> (repeat each T) {
        var index = 0
        func next<U: PostgresTextDecodable>(_ type: U.Type) throws -> U {
            defer { index += 1 }
            guard index < values.count else {
                throw PostgresDecodingError(column: "#\(index + 1)", reason: "the row has only \(values.count) columns")
            }
            return try U.decode(values[index], column: index < columns.count ? columns[index] : "#\(index + 1)")
        }
        return (repeat try next(each types))
    }

    /// The text of the column named `column`; nil when it is NULL or not in the row.
    public subscript(_ column: String) -> String? {
        columns.firstIndex(of: column).flatMap { $0 < values.count ? values[$0] : nil }
    }

    /// The column named `column` as `T`.
    public func decode<T: PostgresTextDecodable>(column: String, as type: T.Type = T.self) throws -> T {
        guard let index = columns.firstIndex(of: column) else {
            throw PostgresDecodingError(column: column, reason: "no such column in the result")
        }
        return try T.decode(values[index], column: column)
    }
}

extension QueryResult {
    /// The rows, for typed reads.
    public var typedRows: [PostgresRow] { rows.map { PostgresRow(columns: columns, values: $0) } }

    /// The only row, or an error naming `what` when there is none or more than one.
    public func single(_ what: String) throws -> PostgresRow {
        guard rows.count == 1 else {
            throw PostgresDecodingError(column: what, reason: "expected one row, got \(rows.count)")
        }
        return PostgresRow(columns: columns, values: rows[0])
    }
}

extension Optional: PostgresTextDecodable where Wrapped: PostgresTextDecodable {
    public static func decode(_ text: String?, column: String) throws -> Wrapped? {
        guard let text else { return nil }
        return try Wrapped.decode(text, column: column)
    }
}

extension String: PostgresTextDecodable {
    public static func decode(_ text: String?, column: String) throws -> String {
        guard let text else { throw PostgresDecodingError(column: column, reason: "NULL") }
        return text
    }
}

extension Bool: PostgresTextDecodable {
    public static func decode(_ text: String?, column: String) throws -> Bool {
        switch try String.decode(text, column: column) {
        case "t": return true
        case "f": return false
        case let other: throw PostgresDecodingError(column: column, reason: "'\(other.prefix(40))' is not a boolean")
        }
    }
}

extension FixedWidthInteger where Self: PostgresTextDecodable {
    static func decodeInteger(_ text: String?, column: String) throws -> Self {
        let text = try String.decode(text, column: column)
        guard let value = Self(text) else {
            throw PostgresDecodingError(column: column, reason: "'\(text.prefix(40))' is not a \(Self.self)")
        }
        return value
    }
}

extension Int: PostgresTextDecodable {
    public static func decode(_ text: String?, column: String) throws -> Int { try decodeInteger(text, column: column) }
}

extension Int64: PostgresTextDecodable {
    public static func decode(_ text: String?, column: String) throws -> Int64 { try decodeInteger(text, column: column) }
}

extension Int32: PostgresTextDecodable {
    public static func decode(_ text: String?, column: String) throws -> Int32 { try decodeInteger(text, column: column) }
}
