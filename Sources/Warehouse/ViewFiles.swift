import Digest
import EmbeddedResources
import Postgres

/// One repeatable file, `SQL/views/NNN_name.sql`: the current definition of some views and
/// functions (`CREATE OR REPLACE …`) with their comments and grants. Files are applied in name
/// order, which is dependency order: a file reads only objects of the tables and of earlier files.
public struct ViewFile: Sendable, Equatable {
    /// The file name, e.g. `060_analytics_spend.sql`; the key of its record in `etl.schema_views`.
    public let name: String
    public let sql: String
    public var checksum: String { SHA256.hex(Array(sql.utf8)) }

    /// A file named `name` (a path keeps its last component only).
    public init(name: String, sql: String) {
        self.name = name.split(separator: "/").last.map(String.init) ?? name
        self.sql = sql
    }

    /// The view files compiled into the binary, in name order.
    public static var embedded: [ViewFile] {
        EmbeddedFiles.files(under: "SQL/views").filter { $0.path.hasSuffix(".sql") }
            .map { ViewFile(name: $0.path, sql: $0.text) }.sorted { $0.name < $1.name }
    }
}

/// A view file PostgreSQL refused; the views step was rolled back whole.
public struct ViewFileFailure: Error, CustomStringConvertible {
    public let name: String
    public let underlying: PostgresError

    public var description: String {
        "SQL/views/\(name) failed and the views step was rolled back whole (migrations applied before it stay applied): \(underlying)"
    }
}

extension Migrator {
    /// The views step, run under the migrator's lock after the versioned migrations. A file is
    /// due when it has no record, its checksum changed, or it was applied before the latest
    /// versioned migration (which may have dropped views of any file). The first due file and
    /// every file after it are applied, since a changed file may drop its dependents (`DROP …
    /// CASCADE`) and later files recreate them; all in one transaction with their records.
    /// Records of files no longer in the binary are deleted (their objects are left alone).
    func applyViews(_ views: [ViewFile], on connection: PostgresConnection) throws -> (applied: [ViewFile], forgotten: [String]) {
        var names = Set<String>()
        for file in views where !names.insert(file.name).inserted {
            throw MigrationError.duplicateViewFile(file.name)
        }
        let schemaVersion = try connection.query("SELECT coalesce(max(version), 0) FROM etl.schema_migrations")
            .single("etl.schema_migrations version").decode(Int.self)
        var recorded: [String: (checksum: String, migration: Int)] = [:]
        for row in try connection.query("SELECT name, checksum, after_migration FROM etl.schema_views").typedRows {
            let (name, checksum, migration) = try row.decode(String.self, String.self, Int.self)
            recorded[name] = (checksum, migration)
        }
        let forgotten = recorded.keys.filter { !names.contains($0) }.sorted()
        let firstDue = views.firstIndex { file in
            guard let entry = recorded[file.name] else { return true }
            return entry.checksum != file.checksum || entry.migration != schemaVersion
        }
        let due = firstDue.map { Array(views[$0...]) } ?? []
        guard !due.isEmpty || !forgotten.isEmpty else { return ([], []) }
        try connection.transaction {
            for file in due {
                do {
                    try connection.execute(script: file.sql)
                } catch let error as PostgresError {
                    throw ViewFileFailure(name: file.name, underlying: error)
                }
                try connection.query("""
                    INSERT INTO etl.schema_views (name, checksum, after_migration, applied_at) VALUES ($1, $2, $3, now())
                    ON CONFLICT (name) DO UPDATE
                    SET checksum = excluded.checksum, after_migration = excluded.after_migration, applied_at = excluded.applied_at
                    """, [.text(file.name), .text(file.checksum), .int(schemaVersion)])
            }
            if !forgotten.isEmpty {
                try connection.query("DELETE FROM etl.schema_views WHERE name = ANY($1::text[])", [PostgresArray.text(forgotten)])
            }
        }
        return (due, forgotten)
    }
}
