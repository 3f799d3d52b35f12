/// Authentication as the live API answers it: the admin key as a bearer token, 401 without a key
/// or with a wrong admin key, 403 for a project key (one lacking the `api.usage.read` scope).
enum Authorization {
    /// The bearer token of `request`, if any.
    static func key(_ request: HTTPRequest) -> String? {
        guard let authorization = request.headers["authorization"], authorization.hasPrefix("Bearer ") else { return nil }
        return String(authorization.dropFirst("Bearer ".count))
    }

    /// The refusal for `request` unless it carries one of `adminKeys`; nil when it does.
    static func refusal(_ request: HTTPRequest, adminKeys: Set<String>) -> HTTPReply? {
        guard let authorization = request.headers["authorization"], authorization.hasPrefix("Bearer ") else {
            return .apiError(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                             type: "invalid_request_error")
        }
        let key = String(authorization.dropFirst("Bearer ".count))
        guard !adminKeys.contains(key) else { return nil }
        if key.hasPrefix("sk-admin-") || !key.hasPrefix("sk-") {
            return .apiError(401, "Incorrect API key provided.", type: "invalid_request_error", code: "invalid_api_key")
        }
        return .apiError(403, "You have insufficient permissions for this operation. Missing scopes: api.usage.read. Use an admin key.",
                         type: "invalid_request_error", code: "insufficient_permissions")
    }
}
