import JSON

/// Who is who in an organisation, as the Admin API's list endpoints name them: the names and
/// states that turn the ids in usage and costs into something an analyst recognises.
public struct OrganizationDirectory: Sendable, Equatable, Codable {
    public struct Project: Sendable, Equatable, Codable {
        public var id: String
        public var name: String?
        public var createdAt: Int64?
        public var archivedAt: Int64?
        /// `active` or `archived`.
        public var status: String?
    }

    public struct User: Sendable, Equatable, Codable {
        public var id: String
        public var name: String?
        public var email: String?
        /// `owner` or `reader`.
        public var role: String?
        public var addedAt: Int64?
    }

    public struct APIKey: Sendable, Equatable, Codable {
        public var id: String
        public var projectID: String
        public var name: String?
        public var createdAt: Int64?
        public var lastUsedAt: Int64?
        /// `user` or `service_account`.
        public var ownerType: String?
        public var ownerID: String?
        public var ownerName: String?
    }

    public struct ServiceAccount: Sendable, Equatable, Codable {
        public var id: String
        public var projectID: String
        public var name: String?
        public var role: String?
        public var createdAt: Int64?
    }

    public var projects: [Project] = []
    public var users: [User] = []
    public var apiKeys: [APIKey] = []
    public var serviceAccounts: [ServiceAccount] = []

    public init() {}

    /// Adds the entries of one list page. Fields the API leaves out or nulls stay nil.
    /// The redacted key value is deliberately not kept: a directory holds names, not secrets.
    public mutating func add(_ page: DirectoryPage, of list: DirectoryList) {
        for entry in page.entries {
            guard let id = entry.text("id") else { continue } // DirectoryPage refuses such entries
            switch list {
            case .projects:
                projects.append(Project(id: id, name: entry.text("name"), createdAt: entry.time("created_at"),
                                        archivedAt: entry.time("archived_at"), status: entry.text("status")))
            case .users:
                users.append(User(id: id, name: entry.text("name"), email: entry.text("email"), role: entry.text("role"),
                                  addedAt: entry.time("added_at")))
            case .projectAPIKeys(let projectID):
                let owner = entry["owner"] ?? .null
                let ownerType = owner.text("type")
                let details = ownerType.flatMap { owner[$0] } ?? .null
                apiKeys.append(APIKey(id: id, projectID: projectID, name: entry.text("name"),
                                      createdAt: entry.time("created_at"), lastUsedAt: entry.time("last_used_at"),
                                      ownerType: ownerType, ownerID: details.text("id"), ownerName: details.text("name")))
            case .projectServiceAccounts(let projectID):
                serviceAccounts.append(ServiceAccount(id: id, projectID: projectID, name: entry.text("name"),
                                                      role: entry.text("role"), createdAt: entry.time("created_at")))
            }
        }
    }
}

private extension JSONValue {
    /// A string as PostgreSQL can hold it (see `PageDecoder.storable`).
    func text(_ key: String) -> String? { string(key).map(PageDecoder.storable) }

    /// Unix seconds, or nil when absent or not a time `UTCTime` supports.
    func time(_ key: String) -> Int64? { integer(key).flatMap { UTCTime.supported.contains($0) ? $0 : nil } }
}
