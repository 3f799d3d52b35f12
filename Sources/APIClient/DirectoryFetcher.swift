import UsageAPI

/// Reads the organisation's directory from the Admin API: every project (archived ones
/// included), every user, and each project's API keys and service accounts, following
/// `after`/`last_id` through every page.
public struct DirectoryFetcher {
    public let client: UsageAPIClient
    /// Entries asked for per page (the API allows 1…100).
    public let pageSize: Int
    /// Pages read so far, for the run's report.
    public private(set) var requests = 0

    public init(client: UsageAPIClient, pageSize: Int = DirectoryList.maxPageSize) {
        self.client = client
        self.pageSize = pageSize
    }

    /// The whole directory, or the first error (nothing partial: a directory missing a page would
    /// mark live keys as deleted).
    public mutating func fetch() throws -> OrganizationDirectory {
        var directory = OrganizationDirectory()
        try read(.projects, into: &directory)
        try read(.users, into: &directory)
        for project in directory.projects {
            try read(.projectAPIKeys(projectID: project.id), into: &directory)
            try read(.projectServiceAccounts(projectID: project.id), into: &directory)
        }
        return directory
    }

    private mutating func read(_ list: DirectoryList, into directory: inout OrganizationDirectory) throws {
        var after: String? = nil
        var seen = Set<String>()
        repeat {
            let page = try client.fetch(list, after: after, limit: pageSize)
            requests += 1
            directory.add(page, of: list)
            guard page.hasMore, let next = page.lastID else { return }
            // A cursor that does not move would page forever.
            guard seen.insert(next).inserted, !page.entries.isEmpty else {
                throw LoopingCursor(reason: "the \(list) listing repeats itself after '\(next)'")
            }
            after = next
        } while true
    }
}
