import Postgres
import Simulator
import Warehouse

/// A simulator started on a loopback port (on a fixed clock when `now` is given) and a fresh
/// migrated database: what the integration suites start from.
public struct SimulatorHarness {
    public let simulator: APISimulator
    public let databaseURL: String
    public let connection: PostgresConnection

    public init(database: String, now: Int64? = nil, configure: (inout SimulatorConfiguration) -> Void = { _ in }) throws {
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
