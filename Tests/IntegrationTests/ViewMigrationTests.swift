import APIClient
import Foundation
import Logging
import Pipeline
import Postgres
import Simulator
import TestSupport
import Testing
import UsageAPI
import Warehouse

/// The views step: SQL/views holds the current text of every view and function, a warehouse
/// built by the versioned migrations alone moves to it unchanged, and a changed file re-applies
/// itself and every later file.
extension MigrationTests {
    static let schemas = "'raw', 'etl', 'warehouse', 'analytics'"

    struct Unreadable: Error, CustomStringConvertible {
        var description: String
    }

    /// Every view and function of the warehouse's schemas: its definition (`pg_get_viewdef`,
    /// `pg_get_functiondef`), comment and privileges, keyed by kind and qualified name.
    static func catalog(_ connection: PostgresConnection) throws -> [String: String] {
        let rows = try connection.query("""
            SELECT 'view ' || format('%I.%I', n.nspname, c.relname),
                   pg_get_viewdef(c.oid, true) || E'\\n-- comment: ' || coalesce(obj_description(c.oid, 'pg_class'), '(none)')
                   || E'\\n-- acl: ' || coalesce(c.relacl::text, '(default)')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('v', 'm') AND n.nspname IN (\(schemas))
            UNION ALL
            SELECT 'function ' || p.oid::regprocedure::text,
                   pg_get_functiondef(p.oid) || E'\\n-- comment: ' || coalesce(obj_description(p.oid, 'pg_proc'), '(none)')
                   || E'\\n-- acl: ' || coalesce(p.proacl::text, '(default)')
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE p.prokind IN ('f', 'p') AND n.nspname IN (\(schemas))
            """).rows
        var objects: [String: String] = [:]
        for row in rows {
            guard row.count == 2, let name = row[0], let definition = row[1] else { throw Unreadable(description: "catalog row \(row)") }
            objects[name] = definition
        }
        return objects
    }

    static func expectSame(_ actual: [String: String], _ expected: [String: String], _ context: String,
                           sourceLocation: SourceLocation = #_sourceLocation) {
        let missing = Set(expected.keys).subtracting(actual.keys).sorted()
        let extra = Set(actual.keys).subtracting(expected.keys).sorted()
        let differing = expected.keys.filter { actual[$0] != nil && actual[$0] != expected[$0] }.sorted()
        #expect(missing.isEmpty, "\(context): missing \(missing)", sourceLocation: sourceLocation)
        #expect(extra.isEmpty, "\(context): not expected \(extra)", sourceLocation: sourceLocation)
        for name in differing {
            Issue.record("\(context): \(name) is\n\(actual[name] ?? "")\nexpected\n\(expected[name] ?? "")", sourceLocation: sourceLocation)
        }
    }

    /// Drops every view and every function of the warehouse's schemas except the one table
    /// constraints use (warehouse.dimension_kind_ok stays in 004_dimensions.sql).
    static func dropViewsAndFunctions(_ connection: PostgresConnection) throws {
        // Names are read before anything is dropped: a CASCADE may take later ones with it.
        try connection.execute(script: """
            DO $$
            DECLARE
                object text;
            BEGIN
                FOREACH object IN ARRAY (SELECT coalesce(array_agg(format('%I.%I', n.nspname, c.relname)), '{}')
                                         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                         WHERE c.relkind = 'v' AND n.nspname IN (\(schemas))) LOOP
                    EXECUTE format('DROP VIEW IF EXISTS %s CASCADE', object);
                END LOOP;
                FOREACH object IN ARRAY (SELECT coalesce(array_agg(p.oid::regprocedure::text), '{}')
                                         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                                         WHERE p.prokind = 'f' AND n.nspname IN (\(schemas)) AND p.proname <> 'dimension_kind_ok') LOOP
                    EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', object);
                END LOOP;
            END
            $$;
            """)
    }

    /// A database as `main` leaves it: the versioned migrations applied, no views step, no etl.schema_views.
    static func versionedOnly(_ database: String) throws -> (url: String, connection: PostgresConnection) {
        let url = try TestDatabase.fresh(database)
        let connection = try PostgresConnection(url)
        let report = try Migrator(views: nil).migrate(connection)
        #expect(report.migrations.count == Migration.embedded.count && report.views.isEmpty)
        #expect(try connection.query("SELECT to_regclass('etl.schema_views')").scalar == nil)
        return (url, connection)
    }

    /// The embedded view files, each file named in `changes` with its text changed.
    static func altering(_ changes: [String: @Sendable (String) -> String]) throws -> [ViewFile] {
        let files = ViewFile.embedded
        for name in changes.keys { try #require(files.contains { $0.name == name }, "no view file \(name)") }
        return files.map { file in changes[file.name].map { ViewFile(name: file.name, sql: $0(file.sql)) } ?? file }
    }

    /// Drops the contract views' base view, so every view over the contract views goes with it.
    static let dropStreamCoverage: [String: @Sendable (String) -> String] = [
        "020_contract_stream_coverage.sql": { "DROP VIEW analytics.stream_coverage CASCADE;\n" + $0 },
    ]

    static func viewRecords(_ connection: PostgresConnection) throws -> [String: String] {
        var records: [String: String] = [:]
        for row in try connection.query("SELECT name, checksum || ' ' || after_migration || ' ' || applied_at FROM etl.schema_views").rows {
            guard row.count == 2, let name = row[0], let record = row[1] else { throw Unreadable(description: "schema_views row \(row)") }
            records[name] = record
        }
        return records
    }

    /// Objects whose view file was edited after SQL/views was split from the migrations (the split
    /// itself changed none): they differ from the versioned migrations' on purpose.
    static let editedSinceTheSplit: Set<String> = [
        // Negative keys, so stream spans never meet window claims (which take positive bigint keys).
        "function etl.lock_stream_span(integer,timestamp with time zone,timestamp with time zone)",
        // organization_name appended where names are shown (several organizations in one warehouse).
        "view analytics.projects", "view analytics.users", "view analytics.api_keys", "view analytics.service_accounts",
        "view analytics.daily_spend", "view analytics.monthly_spend", "view analytics.month_to_date_spend",
        "view analytics.daily_tokens", "view analytics.daily_images", "view analytics.daily_audio",
        "view analytics.vector_store_storage", "view analytics.daily_code_interpreter_sessions",
        "view analytics.unit_economics", "view analytics.anomalies", "view analytics.budget_status",
        // The cache-write split and api_source appended; decisions in the token and anomaly views.
        "view analytics.completions_usage",
    ]

    /// View columns appended after the split (several organizations; the API reference of 2026-11).
    static let columnsAppendedSinceTheSplit = ["organization_name", "api_source", "input_cache_write_30m_tokens", "input_cache_write_12h_tokens"]
    /// The same, for one view only.
    static let viewColumnsAppendedSinceTheSplit = ["anomalies": ["endpoint"]]

    /// Objects that view files created after the split: no versioned migration has them.
    static let addedSinceTheSplit: Set<String> = [
        "view analytics.decisions_usage", "view analytics.model_tokens", "view analytics.data_freshness", "view analytics.last_runs",
        "view analytics.priced_quantities", "view analytics.cost_allocation", "view analytics.api_key_spend", "view analytics.focus_costs",
        "function analytics.line_item_rule(text)",
    ]

    @Test func viewFilesHoldTheCurrentDefinitionOfEveryViewAndFunction() throws {
        let versioned = try Self.catalog(try Self.versionedOnly("test_views_versioned").connection)
        #expect(versioned.keys.filter { $0.hasPrefix("view ") }.count >= 30)
        #expect(Self.editedSinceTheSplit.isSubset(of: versioned.keys))
        let expected = versioned.filter { !Self.editedSinceTheSplit.contains($0.key) }

        let connection = try PostgresConnection(try TestDatabase.fresh("test_views_fresh"))
        let report = try Migrator().migrate(connection)
        #expect(report.migrations.count == Migration.embedded.count)
        #expect(report.views.map(\.name) == ViewFile.embedded.map(\.name))
        let migrated = try Self.catalog(connection)
        for name in Self.addedSinceTheSplit { #expect(migrated[name] != nil && versioned[name] == nil, "\(name) is new") }
        Self.expectSame(migrated.filter { !Self.editedSinceTheSplit.contains($0.key) && !Self.addedSinceTheSplit.contains($0.key) }, expected,
                        "fresh database migrated with the view files")
        for name in Self.editedSinceTheSplit { #expect(migrated[name] != nil && migrated[name] != versioned[name], "\(name) is the edited one") }

        // Rebuilt from the view files alone: every object, its comment and its grants come from them.
        try Self.dropViewsAndFunctions(connection)
        #expect(try Self.catalog(connection).keys.sorted() == ["function warehouse.dimension_kind_ok(integer,text,text)"])
        try connection.execute(script: "DELETE FROM etl.schema_views")
        #expect(try Migrator().migrate(connection).views.count == ViewFile.embedded.count)
        Self.expectSame(try Self.catalog(connection), migrated, "views and functions rebuilt from SQL/views alone")
    }

    /// Every table's and sequence's content, as a row count and an md5 over its rows in text form.
    static func tableDigests(_ connection: PostgresConnection) throws -> [String: String] {
        var digests: [String: String] = [:]
        let relations = try connection.query("""
            SELECT format('%I.%I', n.nspname, c.relname), c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'S') AND n.nspname IN (\(schemas)) ORDER BY 1
            """).rows
        for row in relations {
            guard row.count == 2, let name = row[0], let kind = row[1] else { throw Unreadable(description: "relation row \(row)") }
            let sql = kind == "S" ? "SELECT last_value || ' ' || is_called FROM \(name)"
                : "SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM \(name) t"
            digests[name] = try connection.query(sql).scalar ?? "NULL"
        }
        return digests
    }

    /// Every analytics view's rows (row count and md5). budget_status reads the clock, so its
    /// projection, allowance and status are left out; budget_status_at at a fixed moment has them.
    static func viewDigests(_ connection: PostgresConnection) throws -> [String: String] {
        var sources: [String: String] = [:]
        for row in try connection.query("SELECT viewname FROM pg_views WHERE schemaname = 'analytics'").rows {
            guard let view = row.first ?? nil else { throw Unreadable(description: "pg_views row \(row)") }
            // The columns every version has: those appended after the split are left out.
            let columns = try connection.query("""
                SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) FROM information_schema.columns
                WHERE table_schema = 'analytics' AND table_name = $1 AND column_name <> ALL($2::text[])
                """, [.text(view), PostgresArray.text(Self.columnsAppendedSinceTheSplit + (Self.viewColumnsAppendedSinceTheSplit[view] ?? []))]).scalar ?? "*"
            sources[view] = "(SELECT \(columns) FROM analytics.\(view))"
        }
        sources["budget_status"] = """
            (SELECT budget_id, name, organization_id, scope, project_id, currency, month, monthly_amount, spend_to_date,
                    used_fraction, project_name FROM analytics.budget_status)
            """
        sources["budget_status_at"] = "analytics.budget_status_at('2025-12-20T12:00:00Z')"
        var digests: [String: String] = [:]
        for (name, source) in sources {
            digests[name] = try connection.query("""
                SELECT count(*) || ' ' || md5(coalesce(string_agg(v::text, E'\\n' ORDER BY v::text), '')) FROM \(source) v
                """).scalar ?? "NULL"
        }
        return digests
    }

    @Test func existingWarehouseMovesToTheViewFilesWithItsDataAndViewRowsUnchanged() throws {
        let now: Int64 = 1_767_225_600 + 12 * 3600 // 2026-01-01T12:00:00Z
        let organization = "org-test"
        var configuration = SimulatorConfiguration()
        configuration.now = now
        let simulator = APISimulator(configuration: configuration)
        try simulator.start()
        defer { simulator.stop() }
        let (url, connection) = try Self.versionedOnly("test_views_forward")

        // Six weeks of every endpoint by day, a week of completions by hour, two directory refreshes
        // (with a step of organisation life between them), budgets and local usage.
        var api = APIConfiguration(baseURL: try #require(simulator.baseURL), adminKey: "sk-admin-simulator-key")
        api.requestsPerMinute = 60_000
        api.baseBackoff = 0.01
        let runner = Runner(databaseURL: url, api: api, parallelism: 2, logger: Logger(label: "test"), clock: { now })
        let today = 1_767_225_600 as Int64
        // The endpoints a warehouse of the release before the split could hold (decisions came later).
        let daily = EndpointCatalog.all.filter { $0 != EndpointCatalog.decisions }.map { StreamSpec.finest($0, width: .day, organization: organization) }
        let hourly = [StreamSpec.finest(EndpointCatalog.completions, width: .hour, organization: organization)]
        for (specs, days) in [(daily, Int64(42)), (hourly, Int64(7))] {
            let plan = try runner.plan(specs, range: TimeRange(start: today - days * 86_400, end: today), refetch: false, connection: connection)
            let summary = runner.run(plan, refetch: false)
            try #require(summary.windowsFailed == 0, "\(summary.errors)")
        }
        _ = try DirectoryRefresh(configuration: api, connection: connection).run(organization: organization)
        simulator.changeDirectory()
        _ = try DirectoryRefresh(configuration: api, connection: connection).run(organization: organization)
        try connection.execute(script: """
            INSERT INTO analytics.budgets (name, scope, monthly_amount) VALUES ('org', 'organization', 500);
            INSERT INTO analytics.budgets (name, scope, project_id, monthly_amount)
            SELECT 'project', 'project', natural_id, 50 FROM warehouse.dim_project WHERE kind = 'value' ORDER BY natural_id LIMIT 1;
            INSERT INTO warehouse.local_usage (line_sha256, occurrence, source_file, line_number, occurred_at, model,
                                               input_tokens, output_tokens, cost)
            SELECT sha256(convert_to('line ' || g, 'UTF8')), 1, 'app.ndjson', g, '2025-12-30T08:00:00Z'::timestamptz + g * interval '1 minute',
                   (SELECT natural_id FROM warehouse.dim_model WHERE kind = 'value' ORDER BY natural_id LIMIT 1), 100 * g, 20 * g, 0.001 * g
            FROM generate_series(1, 40) g;
            """)

        let tables = try Self.tableDigests(connection)
        let views = try Self.viewDigests(connection)
        for view in ["costs", "completions_usage", "daily_spend", "projects", "directory_changes", "local_reconciliation", "budget_status_at"] {
            #expect(!(views[view] ?? "0 ").hasPrefix("0 "), "analytics.\(view) should have rows to compare")
        }

        let report = try Migrator().migrate(connection)
        #expect(report.migrations.isEmpty)
        #expect(report.views.map(\.name) == ViewFile.embedded.map(\.name))
        var after = try Self.tableDigests(connection)
        #expect(after.removeValue(forKey: "etl.schema_views")?.hasPrefix("\(ViewFile.embedded.count) ") == true)
        Self.expectSame(after, tables, "tables after the views step")
        let added = Set(Self.addedSinceTheSplit.filter { $0.hasPrefix("view ") }.map { String($0.dropFirst("view analytics.".count)) })
        Self.expectSame(try Self.viewDigests(connection).filter { !added.contains($0.key) }, views, "view rows after the views step")

        #expect(try Migrator().migrate(connection).isEmpty, "a second migrate applies nothing")
    }

    @Test func aChangedViewFileIsAppliedWithEveryLaterFileAndNothingElse() throws {
        let connection = try PostgresConnection(try TestDatabase.fresh("test_views_changed"))
        try Migrator().migrate(connection)
        let catalog = try Self.catalog(connection)
        let records = try Self.viewRecords(connection)
        let names = ViewFile.embedded.map(\.name)
        let changed = "061_analytics_daily_tokens.sql"
        let later = try #require(names.firstIndex(of: changed))
        // A change CREATE OR REPLACE could not make: dropped with its dependents, which later files recreate.
        let altered = try Self.altering([changed: { "DROP VIEW analytics.daily_tokens CASCADE;\n" + $0 }])

        let report = try Migrator(views: altered).migrate(connection)
        #expect(report.migrations.isEmpty && report.forgottenViews.isEmpty)
        #expect(report.views.map(\.name) == Array(names[later...]))
        let now = try Self.viewRecords(connection)
        for name in names[..<later] { #expect(now[name] == records[name], "\(name) should not have been applied again") }
        for name in names[later...] { #expect(now[name] != records[name], "\(name) should have been applied again") }
        Self.expectSame(try Self.catalog(connection), catalog, "after re-applying from \(changed)")
        #expect(try Migrator(views: altered).migrate(connection).isEmpty, "unchanged files apply nothing")

        // A file removed from the binary loses its record only; back again, it is new and applied.
        let last = try #require(names.last)
        let removed = try Migrator(views: Array(altered.dropLast())).migrate(connection)
        #expect(removed.views.isEmpty && removed.forgottenViews == [last])
        #expect(try Self.viewRecords(connection)[last] == nil)
        Self.expectSame(try Self.catalog(connection), catalog, "after a file was removed")
        #expect(try Migrator(views: altered).migrate(connection).views.map(\.name) == [last])
    }

    @Test func aMigrationMakesEveryViewFileDueSoViewsItDroppedComeBack() throws {
        let connection = try PostgresConnection(try TestDatabase.fresh("test_views_after_migration"))
        try Migrator().migrate(connection)
        let catalog = try Self.catalog(connection)
        let migration = try #require(Migration(fileName: "900_retype_costs.sql", sql: """
            DROP VIEW analytics.costs CASCADE;
            ALTER TABLE warehouse.fact_costs ALTER COLUMN quantity_unit TYPE varchar(200);
            ALTER TABLE warehouse.fact_costs ALTER COLUMN quantity_unit TYPE text;
            """))
        let report = try Migrator(migrations: Migration.embedded + [migration]).migrate(connection)
        #expect(report.migrations.map(\.version) == [900])
        #expect(report.views.map(\.name) == ViewFile.embedded.map(\.name))
        Self.expectSame(try Self.catalog(connection), catalog, "after a migration that dropped analytics.costs")
    }

    @Test func aFailingViewFileLeavesTheViewsAndTheirRecordsAsTheyWere() throws {
        let connection = try PostgresConnection(try TestDatabase.fresh("test_views_failing"))
        try Migrator().migrate(connection)
        let catalog = try Self.catalog(connection)
        let records = try Self.viewRecords(connection)
        var changes = Self.dropStreamCoverage
        changes["060_analytics_spend.sql"] = { $0 + "\nSELECT * FROM analytics.no_such_view;\n" }
        do {
            try Migrator(views: try Self.altering(changes)).migrate(connection)
            Issue.record("expected the broken view file to fail")
        } catch let error as ViewFileFailure {
            #expect(error.name == "060_analytics_spend.sql")
            #expect(error.description.contains("no_such_view"))
        }
        #expect(try Self.viewRecords(connection) == records)
        Self.expectSame(try Self.catalog(connection), catalog, "after a failed views step")
    }

    @Test func theAnalystRoleReadsEveryAnalyticsViewAfterTheyAreRecreated() throws {
        let url = try TestDatabase.fresh("test_views_grants")
        let connection = try PostgresConnection(url)
        try Migrator().migrate(connection)
        let catalog = try Self.catalog(connection)
        // Without the schema's default privileges, only the files' own grants can give the role its views back.
        try connection.execute(script: """
            ALTER DEFAULT PRIVILEGES IN SCHEMA analytics REVOKE SELECT ON TABLES FROM usage_etl_analyst;
            ALTER DEFAULT PRIVILEGES IN SCHEMA analytics REVOKE EXECUTE ON FUNCTIONS FROM usage_etl_analyst;
            """)
        let altered = try Self.altering(Self.dropStreamCoverage)
        let first = try #require(altered.firstIndex { $0.name == "020_contract_stream_coverage.sql" })
        #expect(try Migrator(views: altered).migrate(connection).views.map(\.name) == altered[first...].map(\.name))
        Self.expectSame(try Self.catalog(connection), catalog, "after every view over the contract views was recreated")

        let views = try connection.query("SELECT viewname FROM pg_views WHERE schemaname = 'analytics' ORDER BY 1").rows.compactMap { $0.first ?? nil }
        #expect(views.count >= 30)
        let analyst = try PostgresConnection(url)
        try analyst.execute(script: "SET ROLE usage_etl_analyst")
        for view in views {
            #expect(throws: Never.self, "analytics.\(view)") { try analyst.query("SELECT count(*) FROM analytics.\(view)") }
        }
        #expect(throws: Never.self) { try analyst.query("SELECT count(*) FROM analytics.budget_status_at(now())") }
    }
}
