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

    /// The environment `usage-etl` runs in against this simulator and database: the simulator's
    /// key, organization `org-test`, and `extra` on top.
    public func environment(_ extra: [String: String] = [:]) -> [String: String] {
        UsageETLProcess.environment(baseURL: simulator.baseURL ?? "", databaseURL: databaseURL,
                                    ["OPENAI_ORGANIZATION": "org-test"].merging(extra) { $1 })
    }

    /// Runs `usage-etl` to the end in `environment()`.
    public func run(_ arguments: [String]) throws -> (Int32, String) {
        try UsageETLProcess.run(arguments, environment: environment())
    }
}
