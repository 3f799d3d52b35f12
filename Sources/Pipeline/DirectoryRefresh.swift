import APIClient
import Foundation
import Postgres
import UsageAPI
import Warehouse

/// One refresh of the named dimensions: reads the whole directory from the Admin API and applies
/// it to the warehouse, or records why it could not (the dimensions then stay as they were).
public struct DirectoryRefresh {
    /// What a refresh found and changed.
    public struct Outcome: Sendable {
        public var projects: Int
        public var users: Int
        public var apiKeys: Int
        public var serviceAccounts: Int
        /// Renames, archivings, deletions and removals since the previous refresh.
        public var changes: Int
        public var requests: Int
        /// Another run was refreshing the same organization's names at that moment, so this one did not.
        public var skipped = false
    }

    public let configuration: APIConfiguration
    public let connection: PostgresConnection

    public init(configuration: APIConfiguration, connection: PostgresConnection) {
        self.configuration = configuration
        self.connection = connection
    }

    /// Refreshes `organization`'s names. One refresh of an organization runs at a time (a session
    /// advisory lock, so a killed run's claim ends with its connection): when another is under
    /// way, `waitIfBusy` waits for it and then refreshes, otherwise this returns at once, skipped.
    public func run(organization: String, waitIfBusy: Bool = true) throws -> Outcome {
        let lock = AdvisoryLock.directoryRefresh(organization: organization)
        if waitIfBusy {
            try lock.lock(on: connection)
        } else if try !lock.tryLock(on: connection) {
            return Outcome(projects: 0, users: 0, apiKeys: 0, serviceAccounts: 0, changes: 0, requests: 0, skipped: true)
        }
        defer { _ = try? lock.unlock(on: connection) }
        let started = Date()
        var fetcher = DirectoryFetcher(client: UsageAPIClient(configuration: configuration,
                                                             limiter: RateLimiter(requestsPerMinute: configuration.requestsPerMinute)))
        let store = DirectoryStore(connection: connection)
        do {
            let directory = try fetcher.fetch()
            let changes = try store.apply(directory, organization: organization, startedAt: started, requests: fetcher.requests)
            return Outcome(projects: directory.projects.count, users: directory.users.count, apiKeys: directory.apiKeys.count,
                           serviceAccounts: directory.serviceAccounts.count, changes: changes, requests: fetcher.requests)
        } catch {
            try? store.recordFailure(organization: organization, startedAt: started, requests: fetcher.requests, error: "\(error)")
            throw error
        }
    }
}
