import Postgres
import Simulator
import Warehouse

/// A simulator started on a loopback port (on a fixed clock when `now` is given) and a fresh
/// migrated database: what the integration suites start from.
struct SimulatorHarness {
    let simulator: APISimulator
    let databaseURL: String
    let connection: PostgresConnection

    init(database: String, now: Int64? = nil, configure: (inout SimulatorConfiguration) -> Void = { _ in }) throws {
        var configuration = SimulatorConfiguration()
        configuration.now = now
        configure(&configuration)
        simulator = APISimulator(configuration: configuration)
        try simulator.start()
        databaseURL = try TestDatabase.fresh(database)
        connection = try PostgresConnection(databaseURL)
        try Migrator().migrate(connection)
    }
}
