// The warehouse schema, in two kinds of SQL file:
//
// - `SQL/migrations/NNN_name.sql`, versioned: applied once each, in order, and recorded with a
//   checksum in `etl.schema_migrations`; an applied file is never edited (the migrator refuses to
//   run). Tables, sequences, indexes, triggers, data changes and roles change only by a new
//   numbered migration.
// - `SQL/views/NNN_name.sql`, repeatable: the current text of every view and function (`CREATE OR
//   REPLACE …`, with its comment and grants; not warehouse.dimension_kind_ok, which CHECK
//   constraints call). They are edited in place: the file is the current definition. File order
//   is dependency order. After the migrations, the views step applies a file that is new or
//   changed, and every later one, recorded in `etl.schema_views`; unchanged files are not applied
//   again.
//
// A migration that alters a table a view reads drops that view first (`DROP VIEW … CASCADE`):
// the views step after it re-applies every view file (any migration makes all of them due), which
// recreates the view and its dependents. A view change that `CREATE OR REPLACE VIEW` cannot make
// (a column removed, renamed or retyped) starts its file with `DROP VIEW IF EXISTS … CASCADE`; the
// later files, applied with it, recreate the dependents.

import Digest
import EmbeddedResources
import Postgres

/// One SQL migration file, `SQL/migrations/NNN_name.sql`.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String
    public var checksum: String { SHA256.hex(Array(sql.utf8)) }
    /// What an operator does once this migration is applied: the file's `-- After applying:` lines.
    public var afterApplying: [String] {
        sql.split(separator: "\n").compactMap { line in
            line.hasPrefix("-- After applying: ") ? String(line.dropFirst("-- After applying: ".count)) : nil
        }
    }
    /// The file name, e.g. `003_raw_archive.sql`.
    public var fileName: String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 3 - digits.count)) + digits + "_" + name + ".sql"
    }

    /// Parses the version and name from a file name such as `003_raw_archive.sql`.
    public init?(fileName: String, sql: String) {
        let base = fileName.split(separator: "/").last.map(String.init) ?? fileName
        guard base.hasSuffix(".sql"), let underscore = base.firstIndex(of: "_"),
              let version = Int(base[..<underscore]) else { return nil }
        self.version = version
        self.name = String(base[base.index(after: underscore)...].dropLast(4))
        self.sql = sql
    }

    /// The migrations compiled into the binary, in order.
    public static var embedded: [Migration] {
        EmbeddedFiles.files(under: "SQL/migrations").compactMap { Migration(fileName: $0.path, sql: $0.text) }
            .sorted { $0.version < $1.version }
    }
}

/// Why `migrate` refused to run.
public enum MigrationError: Error, CustomStringConvertible {
    case edited(version: Int, name: String, recorded: String, current: String)
    case unknownApplied(version: Int, name: String)
    case duplicateVersion(Int)
    case duplicateViewFile(String)

    public var description: String {
        switch self {
        case let .edited(version, name, recorded, current):
            return "migration \(version)_\(name) was edited after it was applied (recorded checksum \(recorded.prefix(12))…, file now \(current.prefix(12))…); add a new migration instead of changing an applied one"
        case let .unknownApplied(version, name):
            return "the database has migration \(version)_\(name) applied, which this binary does not know; use a newer usage-etl"
        case let .duplicateVersion(version):
            return "two migration files share version \(version)"
        case let .duplicateViewFile(name):
            return "two view files are named \(name)"
        }
    }
}

/// What one `migrate` did.
public struct MigrationReport: Sendable {
    /// The versioned migrations applied now, in order.
    public var migrations: [Migration] = []
    /// The view files applied now, in order.
    public var views: [ViewFile] = []
    /// Names of view files recorded as applied that this binary no longer has; their records were deleted.
    public var forgottenViews: [String] = []

    /// True when the schema was up to date.
    public var isEmpty: Bool { migrations.isEmpty && views.isEmpty && forgottenViews.isEmpty }
}

/// Applies migrations in order, each in its own transaction, recording each with its checksum;
/// then the view files that are due (see the top of this file), in one transaction.
public struct Migrator {
    public let migrations: [Migration]
    /// The view files; nil skips the views step (and its table): the versioned migrations alone.
    public let views: [ViewFile]?

    public init(migrations: [Migration] = Migration.embedded, views: [ViewFile]? = ViewFile.embedded) {
        self.migrations = migrations
        self.views = views
    }

    /// Applies what is missing or changed and says what it applied (empty when up to date).
    @discardableResult
    public func migrate(_ connection: PostgresConnection) throws -> MigrationReport {
        var seen = Set<Int>()
        for migration in migrations where !seen.insert(migration.version).inserted {
            throw MigrationError.duplicateVersion(migration.version)
        }
        // One migrator at a time across processes, from before the bootstrap: two first migrates of
        // an empty database would otherwise race on CREATE SCHEMA (a unique violation in the catalog).
        try AdvisoryLock.migrations.lock(on: connection)
        defer { _ = try? AdvisoryLock.migrations.unlock(on: connection) }
        try connection.execute(script: """
            CREATE SCHEMA IF NOT EXISTS etl;
            CREATE TABLE IF NOT EXISTS etl.schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """)
        if views != nil {
            // after_migration: the latest versioned migration when the file was applied.
            try connection.execute(script: """
                CREATE TABLE IF NOT EXISTS etl.schema_views (
                    name       text PRIMARY KEY,
                    checksum   text NOT NULL,
                    after_migration integer NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                );
                """)
        }

        let applied = try connection.query("SELECT version, name, checksum FROM etl.schema_migrations ORDER BY version")
        var recorded: [Int: (name: String, checksum: String)] = [:]
        for row in applied.typedRows {
            let (version, name, checksum) = try row.decode(Int.self, String.self, String.self)
            recorded[version] = (name, checksum)
        }
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for (version, entry) in recorded.sorted(by: { $0.key < $1.key }) where known[version] == nil {
            throw MigrationError.unknownApplied(version: version, name: entry.name)
        }
        var report = MigrationReport()
        for migration in migrations {
            if let entry = recorded[migration.version] {
                guard entry.checksum == migration.checksum else {
                    throw MigrationError.edited(version: migration.version, name: migration.name,
                                                recorded: entry.checksum, current: migration.checksum)
                }
                continue
            }
            try apply(migration, on: connection)
            report.migrations.append(migration)
        }
        if let views {
            (report.views, report.forgottenViews) = try applyViews(views, on: connection)
        }
        return report
    }

    /// How many times a migration is tried when a cluster-wide object gets in its way.
    static let attempts = 3

    /// Applies one migration and records it, in one transaction. Roles are cluster-wide, and the
    /// lock above only serializes migrators of this database: when a migration of another database
    /// on the same server creates the analyst role between this one's check and its CREATE ROLE,
    /// this one fails with a unique violation (23505) or duplicate object (42710) and rolls back
    /// whole; it is then tried again and finds the role.
    private func apply(_ migration: Migration, on connection: PostgresConnection) throws {
        var attempt = 1
        while true {
            do {
                try connection.transaction {
                    try connection.execute(script: migration.sql)
                    try connection.query("INSERT INTO etl.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                                         [.int(migration.version), .text(migration.name), .text(migration.checksum)])
                }
                return
            } catch let error as PostgresError where attempt < Self.attempts && error.isOne(of: .uniqueViolation, .duplicateObject) {
                attempt += 1
            }
        }
    }
}
