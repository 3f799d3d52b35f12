import Postgres
import Testing
import Warehouse

@Suite("Migrations")
struct MigrationTests {
    @Test func applyTwiceCleanlyAndCreateTheFourSchemas() throws {
        let connection = try PostgresConnection(try TestDatabase.fresh("test_migrations"))
        let first = try Migrator().migrate(connection)
        #expect(first.count == Migration.embedded.count)
        #expect(!first.isEmpty)
        let second = try Migrator().migrate(connection)
        #expect(second.isEmpty)
        let schemas = try connection.query("""
            SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace
            WHERE nspname IN ('raw', 'etl', 'warehouse', 'analytics')
            """).scalar
        #expect(schemas == "analytics,etl,raw,warehouse")
        let recorded = try connection.query("SELECT count(*) FROM etl.schema_migrations").scalar
        #expect(recorded == String(Migration.embedded.count))
    }

    @Test func editedAppliedMigrationIsRefused() throws {
        let connection = try PostgresConnection(try TestDatabase.fresh("test_migrations_edited"))
        try Migrator().migrate(connection)
        var edited = Migration.embedded
        let original = edited[0]
        edited[0] = Migration(fileName: "001_\(original.name).sql", sql: original.sql + "\n-- edited\n")!
        do {
            try Migrator(migrations: edited).migrate(connection)
            Issue.record("expected the edited migration to be refused")
        } catch let error as MigrationError {
            #expect(error.description.contains("was edited after it was applied"))
        }
    }

    @Test func failingMigrationLeavesNothingBehind() throws {
        let connection = try PostgresConnection(try TestDatabase.fresh("test_migrations_failing"))
        let broken = Migration.embedded + [Migration(fileName: "999_broken.sql",
            sql: "CREATE TABLE etl.half_done (id int); SELECT * FROM missing_table;")!]
        #expect(throws: PostgresError.self) { try Migrator(migrations: broken).migrate(connection) }
        #expect(try connection.query("SELECT to_regclass('etl.half_done')").scalar == nil)
        #expect(try connection.query("SELECT count(*) FROM etl.schema_migrations WHERE version = 999").scalar == "0")
    }
}
