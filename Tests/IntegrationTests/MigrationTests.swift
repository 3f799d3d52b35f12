import Foundation
import Postgres
import Synchronization
import TestSupport
import Testing
import Warehouse

@Suite("Migrations")
struct MigrationTests {
    @Test func applyTwiceCleanlyAndCreateTheFourSchemas() throws {
        let connection = try PostgresConnection(try TestDatabase.fresh("test_migrations"))
        let first = try Migrator().migrate(connection)
        #expect(first.migrations.count == Migration.embedded.count)
        #expect(first.views.map(\.name) == ViewFile.embedded.map(\.name))
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

    /// Two warehouses on one server migrating at once: the second's CREATE ROLE waits on the
    /// first's uncommitted role, fails with a unique violation once that commits, and is applied
    /// again rather than failing the migration.
    @Test func roleCreatedMeanwhileByAnotherDatabaseIsNotAnError() throws {
        let role = "usage_etl_test_race_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try PostgresConnection(try TestDatabase.adminURL())
        defer { _ = try? admin.query("DROP ROLE IF EXISTS \(role)") }
        let url = try TestDatabase.fresh("test_migrations_role_race")
        let migration = Migration(fileName: "001_role.sql", sql: """
            DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '\(role)') THEN CREATE ROLE \(role) NOLOGIN; END IF;
            END $$;
            """)!
        try admin.execute(script: "BEGIN; CREATE ROLE \(role) NOLOGIN;")
        let outcome = Mutex<Result<Int, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let result = Result { try Migrator(migrations: [migration], views: nil).migrate(try PostgresConnection(url)).migrations.count }
            outcome.withLock { $0 = result }
            done.signal()
        }
        // Commit once the migration waits on the uncommitted role (or after 10 s, when it did not get
        // there). Watched from another session: one inside a transaction sees a frozen pg_stat_activity.
        let observer = try PostgresConnection(try TestDatabase.adminURL())
        let waiting = """
            SELECT count(*) FROM pg_stat_activity WHERE datname = 'test_migrations_role_race' AND wait_event_type = 'Lock'
            """
        for _ in 0..<200 where try observer.query(waiting).scalar == "0" { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try observer.query(waiting).scalar == "1", "the migration should have been waiting on the role")
        try admin.execute(script: "COMMIT")
        #expect(done.wait(timeout: .now() + 30) == .success)
        let applied = try outcome.withLock { try $0?.get() }
        #expect(applied == 1)
    }
}
