/// JSON answers: a `JSONWriter.Value` as the body, and the API's error answers
/// (`{"error":{"message","type","param","code"}}` with their HTTP status).
extension HTTPReply {
    /// `value` as an `application/json` answer.
    static func json(_ value: JSONWriter.Value, status: Int = 200) -> HTTPReply {
        var json = JSONWriter()
        json.value(value)
        return HTTPReply(status: status, headers: [("Content-Type", "application/json")], body: json.bytes)
    }

    /// An error answer as the live API gives it.
    static func apiError(_ status: Int, _ message: String, type: String, param: String? = nil, code: String? = nil) -> HTTPReply {
        .json(["error": [
            "message": .string(message),
            "type": .string(type),
            "param": .optional(param),
            "code": .optional(code),
        ]], status: status)
    }
}

/// A request refused with an error answer (the failure of parsing its parameters).
struct HTTPReplyError: Error {
    var reply: HTTPReply
}
