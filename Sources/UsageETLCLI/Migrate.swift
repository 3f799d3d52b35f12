import ArgumentParser
import Postgres
import Warehouse

/// `usage-etl migrate`: bring the warehouse schema up to date.
struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the SQL migrations (idempotent; refuses edited, already-applied migrations).")

    func run() throws {
        let connection = try DatabaseOptions.connect()
        do {
            let applied = try Migrator().migrate(connection)
            if applied.isEmpty {
                Console.out("migrate: schema is up to date")
            } else {
                for migration in applied { Console.out("migrate: applied \(migration.fileName)") }
            }
        } catch let error as MigrationError {
            throw CommandFailure.usage(error.description)
        } catch let error as PostgresError {
            throw CommandFailure.failed(error.description)
        }
    }
}
