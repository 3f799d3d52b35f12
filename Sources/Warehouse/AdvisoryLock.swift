import Postgres

/// Every PostgreSQL advisory lock usage-etl takes, in one registry, so no two uses share a key.
///
/// PostgreSQL has two advisory key spaces that never collide: one `bigint` key, and a pair of
/// `integer` keys. Here:
/// - **one bigint**: window claims take the window id itself (positive, the whole bigint range,
///   so claims never narrow the id); loads of overlapping windows of one stream take a negative
///   key per stream and UTC day, in SQL (`etl.lock_stream_span`: `-1 - (stream_id << 32 | day)`).
/// - **two integers**, the first a namespace: 7401 the migrator, 7403 partition creation (in SQL,
///   `(7403, hashtext(parent table))`), 7405 adopting placeholder rows, and the directory refresh of
///   an organization, `(hashtext('usage-etl directory'), hashtext(organization))`, also taken in SQL
///   by `warehouse.apply_directory`.
public enum AdvisoryLock: Sendable, Hashable {
    /// One migrator at a time per database (session lock).
    case migrations
    /// A window being fetched or loaded (session lock: it ends with the connection, so a killed
    /// worker never blocks its windows).
    case windowClaim(Int64)
    /// Moving placeholder rows to a learned organization (transaction lock).
    case organizationAdoption
    /// One directory refresh per organization at a time (session lock).
    case directoryRefresh(organization: String)

    public static let migrationsNamespace: Int32 = 7401
    public static let partitionNamespace: Int32 = 7403
    public static let adoptionNamespace: Int32 = 7405
    public static let directoryNamespace = "usage-etl directory"

    /// The lock's key as SQL arguments of the advisory-lock functions, and their parameters.
    var key: (arguments: String, parameters: [PostgresValue]) {
        switch self {
        case .migrations: ("$1::int, 1", [.int(Int(Self.migrationsNamespace))])
        case .windowClaim(let id): ("$1::bigint", [.int64(id)])
        case .organizationAdoption: ("$1::int, 1", [.int(Int(Self.adoptionNamespace))])
        case .directoryRefresh(let organization):
            ("hashtext($1), hashtext($2)", [.text(Self.directoryNamespace), .text(organization)])
        }
    }

    /// Waits for the session lock.
    public func lock(on connection: PostgresConnection) throws {
        try connection.query("SELECT pg_advisory_lock(\(key.arguments))", key.parameters)
    }

    /// Takes the session lock if free; false when another session holds it.
    public func tryLock(on connection: PostgresConnection) throws -> Bool {
        let row = try connection.query("SELECT pg_try_advisory_lock(\(key.arguments))", key.parameters).single("pg_try_advisory_lock")
        return try row.decode(Bool.self)
    }

    /// Waits up to `seconds` for the session lock; false when it is still held then.
    public func lock(on connection: PostgresConnection, waitingUpTo seconds: Int) throws -> Bool {
        try connection.query("SELECT set_config('lock_timeout', $1, false)", [.text("\(seconds)s")])
        defer { _ = try? connection.query("SELECT set_config('lock_timeout', '0', false)") }
        do {
            try lock(on: connection)
            return true
        } catch let error as PostgresError where error.code == .lockNotAvailable {
            return false
        }
    }

    public func unlock(on connection: PostgresConnection) throws {
        try connection.query("SELECT pg_advisory_unlock(\(key.arguments))", key.parameters)
    }

    /// Takes the lock until the current transaction ends.
    public func lockForTransaction(on connection: PostgresConnection) throws {
        try connection.query("SELECT pg_advisory_xact_lock(\(key.arguments))", key.parameters)
    }

    /// SQL true when window `windowColumn` is claimed by some session (for `pg_locks` queries).
    static func windowClaimedSQL(_ windowColumn: String) -> String {
        """
        EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.objsubid = 1
                AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                AND ((l.classid::bigint << 32) | l.objid::bigint) = \(windowColumn))
        """
    }
}
