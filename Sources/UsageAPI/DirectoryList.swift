/// An Admin API list endpoint that names the ids usage reports: projects, users, a project's API
/// keys or its service accounts. Paginated with `limit`, `after`, `has_more` and `last_id`.
public enum DirectoryList: Sendable, Equatable, CustomStringConvertible {
    case projects
    case users
    case projectAPIKeys(projectID: String)
    case projectServiceAccounts(projectID: String)

    /// Entries per page asked for by default: the API's maximum, so the fewest requests.
    public static let maxPageSize = 100

    /// The path under the API's base URL, without the query.
    public var path: String {
        switch self {
        case .projects: "/organization/projects"
        case .users: "/organization/users"
        case .projectAPIKeys(let project): "/organization/projects/\(PercentEncoding.segment(project))/api_keys"
        case .projectServiceAccounts(let project): "/organization/projects/\(PercentEncoding.segment(project))/service_accounts"
        }
    }

    /// The query items of one page request (`include_archived` for projects, so none is left out).
    public func queryItems(after: String?, limit: Int = maxPageSize) -> [(String, String)] {
        var items = [("limit", String(limit))]
        if self == .projects { items.append(("include_archived", "true")) }
        if let after { items.append(("after", after)) }
        return items
    }

    public var description: String {
        switch self {
        case .projects: "projects"
        case .users: "users"
        case .projectAPIKeys(let project): "api_keys of \(project)"
        case .projectServiceAccounts(let project): "service_accounts of \(project)"
        }
    }
}
