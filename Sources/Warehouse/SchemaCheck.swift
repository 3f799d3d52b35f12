import Postgres

extension Migrator {
    /// Whether the schema exists: `usage-etl migrate` has run on this database.
    public static func isMigrated(_ connection: PostgresConnection) throws -> Bool {
        try connection.query("SELECT to_regclass('etl.windows') IS NOT NULL").single("to_regclass").decode(Bool.self)
    }
}
