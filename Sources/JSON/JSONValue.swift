/// A parsed JSON value. Numbers keep their exact source text, so no amount passes through `Double`.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's text exactly as written in the document.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    /// The string at `key`, or nil when absent, null or not a string.
    public func string(_ key: String) -> String? {
        if case .string(let text)? = self[key] { return text }
        return nil
    }

    /// The integer at `key` (Unix seconds and counts), or nil when absent, null or not an integer.
    public func integer(_ key: String) -> Int64? {
        if case .number(let text)? = self[key] { return Int64(text) }
        return nil
    }

    /// A short name of the JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

