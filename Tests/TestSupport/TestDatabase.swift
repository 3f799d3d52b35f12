import Foundation
import Synchronization
import Postgres
import Testing

/// Gives each test suite its own database in the private cluster started by `make test`.
public enum TestDatabase {
    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "USAGE_ETL_TEST_DATABASE_URL is not set: integration tests need the private PostgreSQL that `make test` starts"
        }
    }

    /// The admin connection string from the environment; its absence fails the test loudly.
    public static func adminURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["USAGE_ETL_TEST_DATABASE_URL"], !url.isEmpty else {
            throw Missing()
        }
        return url
    }

    /// One database per suite, created on first use and shared by that suite's tests.
    private static let created = Mutex<[String: String]>([:])

    /// Database `name`, dropped and recreated the first time a test run asks for it.
    public static func shared(_ name: String) throws -> String {
        try created.withLock { map in
            if let url = map[name] { return url }
            let url = try fresh(name)
            map[name] = url
            return url
        }
    }

    /// Drops and recreates database `name`, returning its connection string.
    public static func fresh(_ name: String) throws -> String {
        let admin = try adminURL()
        let connection = try PostgresConnection(admin)
        let quoted = "\"" + name.replacingOccurrences(of: "\"", with: "") + "\""
        try connection.execute(script: "DROP DATABASE IF EXISTS \(quoted) WITH (FORCE)")
        try connection.execute(script: "CREATE DATABASE \(quoted)")
        return url(admin, database: name)
    }

    /// The same server, another database.
    public static func url(_ admin: String, database: String) -> String {
        // The private cluster's URL has the form postgresql:///postgres?host=…
        if let range = admin.range(of: ":///postgres") {
            return admin.replacingCharacters(in: range, with: ":///" + database)
        }
        return admin + " dbname=" + database
    }
}
