/// Why a request to the API did not yield a usable page.
public enum APIError: Error, CustomStringConvertible, Sendable {
    /// The API answered an error that retrying will not fix (400, 404, …).
    case rejected(status: Int, message: String, code: String?, param: String?)
    /// 401/403: the key is missing, wrong, or not an admin key. The whole run stops.
    case unauthorized(status: Int, message: String)
    /// Transient failures kept happening.
    case retriesExhausted(attempts: Int, lastFailure: String)

    public var description: String {
        switch self {
        case let .rejected(status, message, code, _):
            return "API answered \(status)\(code.map { " (\($0))" } ?? ""): \(message)"
        case let .unauthorized(status, message):
            return "API answered \(status): \(message). The key is not an admin key with usage read access (set OPENAI_ADMIN_KEY or --admin-key-file to an organization admin key)"
        case let .retriesExhausted(attempts, last):
            return "gave up after \(attempts) attempts: \(last)"
        }
    }

    /// The API no longer accepts the page cursor: restart the window from its start.
    public var isInvalidCursor: Bool {
        if case let .rejected(_, _, code, param) = self { return param == "page" || code == "invalid_cursor" }
        return false
    }
}
