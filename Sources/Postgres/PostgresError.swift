/// A failure reported by PostgreSQL or libpq, with the context needed to act on it.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// What was being attempted when the failure happened.
    public enum Operation: String, Sendable {
        case connect, query, copy, transaction
    }

    public var operation: Operation
    /// The five-character SQLSTATE code, when the server sent one.
    public var sqlState: String?
    public var message: String
    public var detail: String?
    public var hint: String?
    /// The statement that failed (SQL text only; parameter values are never included).
    public var statement: String?

    public init(operation: Operation, sqlState: String? = nil, message: String,
                detail: String? = nil, hint: String? = nil, statement: String? = nil) {
        self.operation = operation
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.statement = statement
    }

    /// True when the connection itself was lost (server restart, network), not a statement error.
    public var isConnectionFailure: Bool {
        operation == .connect || code?.isConnectionException == true || code == .adminShutdown
    }

    public var description: String {
        var text = "PostgreSQL \(operation.rawValue) failed"
        if let sqlState { text += " [\(sqlState)]" }
        text += ": \(message)"
        if let detail, !detail.isEmpty { text += " (detail: \(detail))" }
        if let hint, !hint.isEmpty { text += " (hint: \(hint))" }
        if let statement {
            let oneLine = statement.split(whereSeparator: \.isNewline).joined(separator: " ")
            text += " in statement: \(oneLine.prefix(300))"
        }
        return text
    }
}
