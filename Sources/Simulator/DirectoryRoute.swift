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
        var entries: [Entry] = []
        switch self {
        case .projects:
            let includeArchived = parameter("include_archived") == "true"
            entries = directory.projects.map { project in
                Entry(id: project.id, listed: includeArchived || project.archivedAt == nil) { json in
                    json.raw("{\"id\":")
                    json.string(project.id)
                    json.raw(",\"object\":\"organization.project\",\"name\":")
                    json.string(project.name)
                    json.raw(",\"created_at\":\(project.createdAt),\"archived_at\":")
                    json.raw(project.archivedAt.map(String.init) ?? "null")
                    json.raw(",\"status\":")
                    json.string(project.archivedAt == nil ? "active" : "archived")
                    json.raw("}")
                }
            }
        case .users:
            let emails = Set(query.filter { $0.0 == "emails" || $0.0 == "emails[]" }.map(\.1))
            entries = directory.users.map { user in
                Entry(id: user.id, listed: !user.removed && (emails.isEmpty || emails.contains(user.email))) { json in
                    json.raw("{\"object\":\"organization.user\",\"id\":")
                    json.string(user.id)
                    json.raw(",\"name\":")
                    json.string(user.name)
                    json.raw(",\"email\":")
                    json.string(user.email)
                    json.raw(",\"role\":")
                    json.string(user.role)
                    json.raw(",\"added_at\":\(user.addedAt)}")
                }
            }
        case .projectAPIKeys(let projectID), .projectServiceAccounts(let projectID):
            guard directory.project(projectID) != nil else {
                return HTTPReply.apiError(404, "No such project: '\(projectID)'.", type: "invalid_request_error", param: "project_id")
            }
            if case .projectServiceAccounts = self {
                entries = directory.serviceAccounts.filter { $0.projectID == projectID }.map { account in
                    Entry(id: account.id, listed: !account.deleted) { json in
                        json.raw("{\"object\":\"organization.project.service_account\",\"id\":")
                        json.string(account.id)
                        json.raw(",\"name\":")
                        json.string(account.name)
                        json.raw(",\"role\":\"member\",\"created_at\":\(account.createdAt)}")
                    }
                }
            } else {
                entries = directory.apiKeys.filter { $0.projectID == projectID }.map { key in
                    Entry(id: key.id, listed: !key.deleted) { json in
                        json.raw("{\"object\":\"organization.project.api_key\",\"redacted_value\":")
                        json.string("sk-proj-****" + String(key.id.suffix(4)))
                        json.raw(",\"name\":")
                        json.string(key.name)
                        json.raw(",\"created_at\":\(key.createdAt),\"last_used_at\":")
                        json.raw(key.lastUsedAt.map(String.init) ?? "null")
                        json.raw(",\"id\":")
                        json.string(key.id)
                        json.raw(",\"owner_project_access\":\"active\",\"owner\":")
                        if let accountID = key.ownerServiceAccountID,
                           let account = directory.serviceAccounts.first(where: { $0.id == accountID }) {
                            json.raw("{\"type\":\"service_account\",\"service_account\":{\"id\":")
                            json.string(account.id)
                            json.raw(",\"name\":")
                            json.string(account.name)
                            json.raw(",\"created_at\":\(account.createdAt),\"role\":\"member\"}}")
                        } else if let userID = key.ownerUserID, let user = directory.user(userID) {
                            json.raw("{\"type\":\"user\",\"user\":{\"id\":")
                            json.string(user.id)
                            json.raw(",\"email\":")
                            json.string(user.email)
                            json.raw(",\"name\":")
                            json.string(user.name)
                            json.raw(",\"created_at\":\(user.addedAt),\"role\":\"member\"}}")
                        } else {
                            json.raw("{}")
                        }
                        json.raw("}")
                    }
                }
            }
        case .adminAPIKeys:
            entries = directory.adminKeys.map { key in
                Entry(id: key.id, listed: true) { json in
                    json.raw("{\"object\":\"organization.admin_api_key\",\"id\":")
                    json.string(key.id)
                    json.raw(",\"name\":")
                    json.string(key.name)
                    json.raw(",\"redacted_value\":\"sk-admin...")
                    json.raw(String(key.id.suffix(3)))
                    json.raw("\",\"created_at\":\(key.createdAt),\"expires_at\":null,\"last_used_at\":null,\"owner\":{\"type\":\"user\",\"object\":\"organization.user\",\"id\":")
                    json.string(key.ownerUserID)
                    json.raw(",\"name\":")
                    json.string(directory.user(key.ownerUserID)?.name ?? "Owner")
                    json.raw(",\"created_at\":\(SimulatedDirectory.founded),\"role\":\"owner\"}}")
                }
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
        var json = JSONWriter(capacity: 4096)
        json.raw("{\"object\":\"list\",\"data\":[")
        for (i, entry) in page.enumerated() {
            if i > 0 { json.raw(",") }
            entry.write(&json)
        }
        json.raw("],\"first_id\":")
        json.optionalString(page.first?.id)
        json.raw(",\"last_id\":")
        json.optionalString(page.last?.id)
        json.raw(",\"has_more\":\(remaining.count > limit)}")
        return HTTPReply(status: 200, headers: [("Content-Type", "application/json")], body: json.bytes)
    }

    /// One listed object: its id (the pagination key), whether the endpoint shows it, and its JSON.
    private struct Entry {
        let id: String
        let listed: Bool
        let write: (inout JSONWriter) -> Void
    }
}
