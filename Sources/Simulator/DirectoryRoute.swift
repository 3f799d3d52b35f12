/// One of the Admin API's list endpoints that name the ids usage reports: what a path asks for,
/// and the page of the directory it answers.
///
/// Pagination as the live API does it: `limit` (1…100, default 20), `after` (the id of the last
/// entry of the previous page), answered with `first_id`, `last_id` and `has_more`.
enum DirectoryRoute: Equatable {
    case projects
    case users
    case projectAPIKeys(projectID: String)
    case projectServiceAccounts(projectID: String)
    case adminAPIKeys

    /// Recognises `/organization/projects`, `/organization/users`,
    /// `/organization/projects/{id}/api_keys`, `/organization/projects/{id}/service_accounts` and
    /// `/organization/admin_api_keys` (paths without the `/v1` prefix).
    init?(path: String) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 3 where parts[0] == "" && parts[1] == "organization":
            switch parts[2] {
            case "projects": self = .projects
            case "users": self = .users
            case "admin_api_keys": self = .adminAPIKeys
            default: return nil
            }
        case 5 where parts[0] == "" && parts[1] == "organization" && parts[2] == "projects" && !parts[3].isEmpty:
            switch parts[4] {
            case "api_keys": self = .projectAPIKeys(projectID: parts[3])
            case "service_accounts": self = .projectServiceAccounts(projectID: parts[3])
            default: return nil
            }
        default: return nil
        }
    }

    /// The name requests are counted and recorded under (the last path component).
    var name: String {
        switch self {
        case .projects: "projects"
        case .users: "users"
        case .projectAPIKeys: "api_keys"
        case .projectServiceAccounts: "service_accounts"
        case .adminAPIKeys: "admin_api_keys"
        }
    }

    /// The page for these parameters, or the error the API gives.
    func answer(_ query: [(String, String)], directory: SimulatedDirectory) -> HTTPReply {
        func parameter(_ name: String) -> String? { query.first { $0.0 == name || $0.0 == name + "[]" }?.1 }
        var limit = 20
        if let text = parameter("limit") {
            guard let parsed = Int(text), (1...100).contains(parsed) else {
                return HTTPReply.apiError(400, "Invalid 'limit': expected an integer between 1 and 100.", type: "invalid_request_error", param: "limit")
            }
            limit = parsed
        }
        let after = parameter("after")
        let entries: [Entry]
        switch self {
        case .projects:
            let includeArchived = parameter("include_archived") == "true"
            entries = directory.projects.map { project in
                Entry(id: project.id, listed: includeArchived || project.archivedAt == nil) { Self.json(project) }
            }
        case .users:
            let emails = Set(query.filter { $0.0 == "emails" || $0.0 == "emails[]" }.map(\.1))
            entries = directory.users.map { user in
                Entry(id: user.id, listed: !user.removed && (emails.isEmpty || emails.contains(user.email))) { Self.json(user) }
            }
        case .projectAPIKeys(let projectID), .projectServiceAccounts(let projectID):
            guard directory.project(projectID) != nil else {
                return HTTPReply.apiError(404, "No such project: '\(projectID)'.", type: "invalid_request_error", param: "project_id")
            }
            if case .projectServiceAccounts = self {
                entries = directory.serviceAccounts.filter { $0.projectID == projectID }.map { account in
                    Entry(id: account.id, listed: !account.deleted) { Self.json(account) }
                }
            } else {
                entries = directory.apiKeys.filter { $0.projectID == projectID }.map { key in
                    Entry(id: key.id, listed: !key.deleted) { Self.json(key, in: directory) }
                }
            }
        case .adminAPIKeys:
            entries = directory.adminKeys.map { key in
                Entry(id: key.id, listed: true) { Self.json(key, in: directory) }
            }
        }
        var start = 0
        if let after {
            guard let index = entries.firstIndex(where: { $0.id == after }) else {
                return HTTPReply.apiError(400, "Invalid 'after': no entry with id '\(after)'.", type: "invalid_request_error", param: "after")
            }
            start = index + 1
        }
        let remaining = entries[start...].filter(\.listed)
        let page = remaining.prefix(limit)
        return .json([
            "object": "list",
            "data": .array(page.map { $0.json() }),
            "first_id": .optional(page.first?.id),
            "last_id": .optional(page.last?.id),
            "has_more": .bool(remaining.count > limit),
        ])
    }

    /// One listed object: its id (the pagination key), whether the endpoint shows it, and its JSON.
    private struct Entry {
        let id: String
        let listed: Bool
        let json: () -> JSONWriter.Value
    }

    // MARK: - Entries, as the Admin API writes them

    private static func json(_ project: SimulatedDirectory.Project) -> JSONWriter.Value {
        [
            "id": .string(project.id),
            "object": "organization.project",
            "name": .string(project.name),
            "created_at": .int(project.createdAt),
            "archived_at": .optional(project.archivedAt),
            "status": project.archivedAt == nil ? "active" : "archived",
        ]
    }

    private static func json(_ user: SimulatedDirectory.User) -> JSONWriter.Value {
        [
            "object": "organization.user",
            "id": .string(user.id),
            "name": .string(user.name),
            "email": .string(user.email),
            "role": .string(user.role),
            "added_at": .int(user.addedAt),
        ]
    }

    private static func json(_ account: SimulatedDirectory.ServiceAccount) -> JSONWriter.Value {
        [
            "object": "organization.project.service_account",
            "id": .string(account.id),
            "name": .string(account.name),
            "role": "member",
            "created_at": .int(account.createdAt),
        ]
    }

    private static func json(_ key: SimulatedDirectory.APIKey, in directory: SimulatedDirectory) -> JSONWriter.Value {
        [
            "object": "organization.project.api_key",
            "redacted_value": .string("sk-proj-****" + String(key.id.suffix(4))),
            "name": .string(key.name),
            "created_at": .int(key.createdAt),
            "last_used_at": .optional(key.lastUsedAt),
            "id": .string(key.id),
            "owner_project_access": "active",
            "owner": owner(of: key, in: directory),
        ]
    }

    /// A project key's owner: its service account, else its user, else `{}` (neither is listed).
    private static func owner(of key: SimulatedDirectory.APIKey, in directory: SimulatedDirectory) -> JSONWriter.Value {
        if let accountID = key.ownerServiceAccountID,
           let account = directory.serviceAccounts.first(where: { $0.id == accountID }) {
            return [
                "type": "service_account",
                "service_account": [
                    "id": .string(account.id),
                    "name": .string(account.name),
                    "created_at": .int(account.createdAt),
                    "role": "member",
                ],
            ]
        }
        if let userID = key.ownerUserID, let user = directory.user(userID) {
            return [
                "type": "user",
                "user": [
                    "id": .string(user.id),
                    "email": .string(user.email),
                    "name": .string(user.name),
                    "created_at": .int(user.addedAt),
                    "role": "member",
                ],
            ]
        }
        return [:]
    }

    private static func json(_ key: SimulatedDirectory.AdminKey, in directory: SimulatedDirectory) -> JSONWriter.Value {
        [
            "object": "organization.admin_api_key",
            "id": .string(key.id),
            "name": .string(key.name),
            "redacted_value": .string("sk-admin..." + String(key.id.suffix(3))),
            "created_at": .int(key.createdAt),
            "expires_at": .null,
            "last_used_at": .null,
            "owner": [
                "type": "user",
                "object": "organization.user",
                "id": .string(key.ownerUserID),
                "name": .string(directory.user(key.ownerUserID)?.name ?? "Owner"),
                "created_at": .int(SimulatedDirectory.founded),
                "role": "owner",
            ],
        ]
    }
}
