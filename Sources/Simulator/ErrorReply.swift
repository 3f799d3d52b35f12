/// The API's error answers: `{"error":{"message","type","param","code"}}` with its HTTP status.
extension HTTPReply {
    /// An error answer as the live API gives it.
    static func apiError(_ status: Int, _ message: String, type: String, param: String? = nil, code: String? = nil) -> HTTPReply {
        var json = JSONWriter()
        json.raw("{\"error\":{\"message\":")
        json.string(message)
        json.raw(",\"type\":")
        json.string(type)
        json.raw(",\"param\":")
        json.optionalString(param)
        json.raw(",\"code\":")
        json.optionalString(code)
        json.raw("}}")
        return HTTPReply(status: status, headers: [("Content-Type", "application/json")], body: json.bytes)
    }
}

/// A request refused with an error answer (the failure of parsing its parameters).
struct HTTPReplyError: Error {
    var reply: HTTPReply
}
