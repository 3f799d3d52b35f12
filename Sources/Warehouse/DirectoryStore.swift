import Foundation
import Postgres
import UsageAPI

/// Keeps the named dimensions current: applies a complete directory listing to the dimension
/// tables (names, archived projects, deleted keys, removed users) in one transaction, and records
/// each refresh in `etl.directory_refreshes`.
public struct DirectoryStore {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Applies `directory` as the organization's whole directory; returns the changes recorded
    /// in `warehouse.directory_changes` (renames, archivings, deletions, removals).
    @discardableResult
    public func apply(_ directory: OrganizationDirectory, organization: String, startedAt: Date, requests: Int) throws -> Int {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let document = String(decoding: try encoder.encode(directory), as: UTF8.self)
        return try connection.transaction {
            let changes = Int(try connection.query("SELECT warehouse.apply_directory($1, $2::jsonb)",
                                                   [.text(organization), .text(document)]).scalar ?? "0") ?? 0
            try connection.query("""
                INSERT INTO etl.directory_refreshes (organization_id, started_at, outcome, requests, projects, users, api_keys,
                                                     service_accounts, changes)
                VALUES ($1, $2, 'succeeded', $3, $4, $5, $6, $7, $8)
                """, [.text(organization), .timestamp(startedAt), .int(requests),
                      .int(directory.projects.count), .int(directory.users.count), .int(directory.apiKeys.count),
                      .int(directory.serviceAccounts.count), .int(changes)])
            return changes
        }
    }

    /// Records a refresh that did not complete (the dimensions are left as they were).
    public func recordFailure(organization: String, startedAt: Date, requests: Int, error: String) throws {
        try connection.query("""
            INSERT INTO etl.directory_refreshes (organization_id, started_at, outcome, requests, error)
            VALUES ($1, $2, 'failed', $3, $4)
            """, [.text(organization), .timestamp(startedAt), .int(requests), .text(error)])
    }
}
