/// A PostgreSQL SQLSTATE code (Appendix A of the PostgreSQL manual), by name, so code that acts on
/// a failure says which one it means.
public struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    /// Class 08: the connection was lost or could not be made.
    public var isConnectionException: Bool { rawValue.hasPrefix("08") }

    public static let unableToConnect = SQLState(rawValue: "08001")
    public static let connectionFailure = SQLState(rawValue: "08006")
    public static let uniqueViolation = SQLState(rawValue: "23505")
    public static let serializationFailure = SQLState(rawValue: "40001")
    public static let deadlockDetected = SQLState(rawValue: "40P01")
    public static let duplicateObject = SQLState(rawValue: "42710")
    public static let insufficientPrivilege = SQLState(rawValue: "42501")
    public static let undefinedTable = SQLState(rawValue: "42P01")
    public static let undefinedFunction = SQLState(rawValue: "42883")
    /// `lock_timeout` passed, or a `NOWAIT` lock was held.
    public static let lockNotAvailable = SQLState(rawValue: "55P03")
    /// The server is shutting down (a restart) and ended the session.
    public static let adminShutdown = SQLState(rawValue: "57P01")
    public static let queryCanceled = SQLState(rawValue: "57014")
}

extension PostgresError {
    /// The failure's SQLSTATE, when the server (or libpq) gave one.
    public var code: SQLState? { sqlState.map(SQLState.init(rawValue:)) }

    /// Whether the failure is one of `codes`.
    public func isOne(of codes: SQLState...) -> Bool { code.map(codes.contains) ?? false }
}
