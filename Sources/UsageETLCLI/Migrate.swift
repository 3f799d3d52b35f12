import ArgumentParser
import Postgres
import Warehouse

/// `usage-etl migrate`: bring the warehouse schema up to date.
struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the SQL migrations, then the view files that changed (idempotent; refuses edited, already-applied migrations).")

    func run() throws {
        let connection = try DatabaseOptions.connect()
        do {
            let report = try Migrator().migrate(connection)
            if report.isEmpty {
                Console.out("migrate: schema is up to date")
            } else {
                for migration in report.migrations { Console.out("migrate: applied \(migration.fileName)") }
                for migration in report.migrations {
                    for step in migration.afterApplying { Console.out("migrate: after \(migration.fileName): \(step)") }
                }
                for view in report.views { Console.out("migrate: applied views/\(view.name)") }
                for name in report.forgottenViews {
                    Console.out("migrate: forgot views/\(name) (no longer in this binary; its objects are left as they are)")
                }
            }
        } catch let error as MigrationError {
            throw CommandFailure.usage(error.description)
        } catch let error as ViewFileFailure {
            throw CommandFailure.failed(error.description)
        } catch let error as PostgresError {
            throw CommandFailure.failed(error.description)
        }
    }
}
