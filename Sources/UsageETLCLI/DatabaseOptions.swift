import Foundation
import Postgres
import Warehouse

/// Where the warehouse is: `DATABASE_URL`, or libpq's own `PG*` variables when it is unset.
struct DatabaseOptions {
    static var conninfo: String { ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "" }

    /// Connects, turning a failure into a configuration error (exit 2) that names the cause.
    static func connect() throws -> PostgresConnection {
        do {
            return try PostgresConnection(conninfo)
        } catch let error as PostgresError {
            throw CommandFailure.usage("cannot connect to the warehouse database (DATABASE_URL or PG* variables): \(error.message)")
        }
    }

    /// Connects and checks the schema exists, so a missing `migrate` is a clear configuration error.
    static func connectMigrated() throws -> PostgresConnection {
        let connection = try connect()
        let ready = try Migrator.isMigrated(connection)
        guard ready else { throw CommandFailure.usage("the warehouse schema is missing: run `usage-etl migrate` first") }
        return connection
    }
}
