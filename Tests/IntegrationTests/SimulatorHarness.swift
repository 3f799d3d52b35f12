import Postgres
import Simulator
import Warehouse

/// A simulator on a fixed clock, started on a loopback port, and a fresh migrated database:
/// what the extract and load suites start from.
struct SimulatorHarness {
    let simulator: APISimulator
    let databaseURL: String
    let connection: PostgresConnection

    init(database: String, now: Int64) throws {
        var configuration = SimulatorConfiguration()
        configuration.now = now
        simulator = APISimulator(configuration: configuration)
        try simulator.start()
        databaseURL = try TestDatabase.fresh(database)
        connection = try PostgresConnection(databaseURL)
        try Migrator().migrate(connection)
    }
}
