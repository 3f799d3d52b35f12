import Foundation
import TestSupport
import Testing

/// The `usage-etl` binary run as operators run it: arguments, environment, exit codes.
@Suite("usage-etl command line")
struct CLITests {
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
        var env = ["PATH": "/usr/bin:/bin", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"]
        env.merge(environment) { $1 }
        return try UsageETLProcess.run(arguments, environment: env)
    }

    @Test func helpListsTheCommands() throws {
        let (status, output) = try run(["--help"])
        #expect(status == 0)
        for command in ["migrate", "backfill", "sync", "rerun", "status"] { #expect(output.contains(command)) }
    }

    @Test(arguments: [
        (["backfill", "--since", "2026-02-01", "--until", "2026-01-01"], "must be after"),
        (["backfill", "--since", "yesterday", "--until", "2026-01-01"], "'yesterday' is invalid for '--since"),
        (["backfill", "--since", "2026-02-30", "--until", "2026-03-01"], "'2026-02-30' is invalid for '--since"),
        (["backfill", "--since", "2026-01-01", "--until", "99999999999-01-01T00:00:00Z"], "is invalid for '--until"),
        (["sync", "--lookback-hours", "9223372036854775807"], "--lookback-hours must be between"),
        (["alerts", "--at", "not-a-time"], "'not-a-time' is invalid for '--at"),
        (["backfill", "--since", "2026-01-01", "--until", "2026-02-01", "--endpoint", "nope"], "unknown endpoint 'nope'"),
        (["backfill", "--since", "2026-01-01", "--until", "2026-02-01", "--endpoint", "costs", "--bucket-width", "1h"], "does not support bucket width 1h"),
        (["backfill", "--since", "2026-01-01", "--until", "2026-02-01", "--bucket-width", "2d"], "invalid --bucket-width"),
        (["rerun"], "pass --failed"),
        (["backfill", "--since", "2026-01-01", "--until", "2026-02-01", "--admin-key", "sk-admin-x"], "given on the command line"),
    ])
    func invalidInputExitsTwoWithAMessage(arguments: [String], message: String) throws {
        let (status, output) = try run(arguments, environment: ["OPENAI_ADMIN_KEY": "sk-admin-x"])
        #expect(status == 2, "\(arguments)")
        #expect(output.contains(message), "\(output)")
    }

    @Test func missingKeyIsAConfigurationError() throws {
        let (status, output) = try run(["backfill", "--since", "2026-01-01", "--until", "2026-01-02"])
        #expect(status == 2)
        #expect(output.contains("OPENAI_ADMIN_KEY"))
    }

    @Test func migrateCreatesTheSchemasAndIsIdempotent() throws {
        let url = try TestDatabase.fresh("test_cli_migrate")
        let first = try run(["migrate"], environment: ["DATABASE_URL": url])
        #expect(first.0 == 0)
        #expect(first.1.contains("applied 001_schemas.sql"))
        #expect(first.1.contains("applied views/010_etl_functions.sql"), "\(first.1)")
        let second = try run(["migrate"], environment: ["DATABASE_URL": url])
        #expect(second.0 == 0)
        #expect(second.1.contains("up to date"))
    }
}
