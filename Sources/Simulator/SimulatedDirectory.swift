/// The organisation's directory as the Admin API's list endpoints show it: projects, users,
/// project API keys, service accounts and admin keys, at a given number of applied changes.
///
/// Each change is a step of ordinary life in an organisation, so tests can check that the
/// warehouse keeps names current: change 1 renames the first project, archives the second,
/// deletes the first API key and removes the last user from the organisation; change 2 renames
/// the first project again and deletes the first project's service account (and its keys).
/// Entries that are gone keep their place in the order (flagged), so an `after` cursor naming
/// one still pages on.
public struct SimulatedDirectory: Sendable {
    public struct Project: Sendable, Equatable {
        public let id: String
        public let name: String
        public let createdAt: Int64
        public let archivedAt: Int64?
    }

    public struct User: Sendable, Equatable {
        public let id: String
        public let name: String
        public let email: String
        public let role: String
        public let addedAt: Int64
        public let removed: Bool
    }

    public struct ServiceAccount: Sendable, Equatable {
        public let id: String
        public let projectID: String
        public let name: String
        public let createdAt: Int64
        public let deleted: Bool
    }

    public struct APIKey: Sendable, Equatable {
        public let id: String
        public let projectID: String
        public let name: String
        public let createdAt: Int64
        public let lastUsedAt: Int64?
        public let ownerUserID: String?
        public let ownerServiceAccountID: String?
        public let deleted: Bool
    }

    public struct AdminKey: Sendable, Equatable {
        public let id: String
        public let name: String
        public let createdAt: Int64
        public let ownerUserID: String
    }

    /// When the synthetic organisation was founded; every entry is created after it.
    public static let founded: Int64 = 1_700_000_000
    /// When the changes happened (change n at `changedAt + n`).
    public static let changedAt: Int64 = 1_762_000_000

    public let changes: Int
    /// In creation order, archived ones included.
    public let projects: [Project]
    /// In order of joining, removed ones included (flagged).
    public let users: [User]
    public let serviceAccounts: [ServiceAccount]
    public let apiKeys: [APIKey]
    public let adminKeys: [AdminKey]

    public init(organization: SyntheticOrganization, changes: Int = 0) {
        self.changes = changes
        let day: Int64 = 86_400
        projects = organization.projects.enumerated().map { i, project in
            var name = project.name
            if i == 0 && changes >= 1 { name += " (renamed)" }
            if i == 0 && changes >= 2 { name = "Renamed twice" }
            var archivedAt: Int64? = project.archived ? Self.founded + 300 * day : nil
            if i == 1 && changes >= 1 { archivedAt = Self.changedAt + 1 }
            return Project(id: project.id, name: name, createdAt: Self.founded + Int64(i) * 7 * day, archivedAt: archivedAt)
        }
        users = organization.users.enumerated().map { i, user in
            User(id: user.id, name: user.name, email: user.email, role: i == 0 ? "owner" : "reader",
                 addedAt: Self.founded + Int64(i) * day, removed: changes >= 1 && i == organization.users.count - 1)
        }
        let firstProject = organization.projects.first?.id
        var accounts: [ServiceAccount] = []
        var keys: [APIKey] = []
        for (i, key) in organization.apiKeys.enumerated() {
            let created = Self.founded + 10 * day + Int64(i) * 3_600
            if let account = key.serviceAccountID, !accounts.contains(where: { $0.id == account }) {
                let deleted = changes >= 2 && key.projectID == firstProject
                accounts.append(ServiceAccount(id: account, projectID: key.projectID, name: "\(key.name) bot",
                                               createdAt: created - 60, deleted: deleted))
            }
            let ownerGone = key.serviceAccountID.map { id in accounts.first { $0.id == id }?.deleted ?? false } ?? false
            keys.append(APIKey(id: key.id, projectID: key.projectID, name: key.name, createdAt: created,
                               lastUsedAt: i % 4 == 3 ? nil : Self.changedAt - Int64(i) * 600,
                               ownerUserID: key.userID, ownerServiceAccountID: key.serviceAccountID,
                               deleted: (changes >= 1 && i == 0) || ownerGone))
        }
        serviceAccounts = accounts
        apiKeys = keys
        adminKeys = [AdminKey(id: "key_admin_" + String(organization.organizationID.suffix(8)), name: "ETL admin key",
                              createdAt: Self.founded + day, ownerUserID: organization.users[0].id)]
    }

    public func project(_ id: String) -> Project? { projects.first { $0.id == id } }
    public func user(_ id: String) -> User? { users.first { $0.id == id } }
}
