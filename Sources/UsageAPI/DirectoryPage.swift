import JSON

/// A page of a list endpoint: its entries as JSON objects, and where the next page starts.
public struct DirectoryPage: Sendable {
    public var entries: [JSONValue]
    public var hasMore: Bool
    /// The id to pass as `after` for the next page.
    public var lastID: String?

    /// Decodes a list page, naming the field that is wrong when it does not have the list shape.
    public init(decoding body: [UInt8], list: DirectoryList) throws {
        func failure(_ field: String, _ reason: String, entry: Int? = nil) -> DecodeError {
            DecodeError(endpoint: list.description, result: entry, field: field, reason: reason)
        }
        let document: JSONValue
        do { document = try JSONParser.parse(body) } catch let error as JSONSyntaxError {
            throw failure("(document)", error.description)
        }
        guard case .object = document else { throw failure("(document)", "expected an object, found \(document.typeName)") }
        guard case .array(let data)? = document["data"] else {
            throw failure("data", "expected an array, found \(document["data"]?.typeName ?? "nothing")")
        }
        guard case .bool(let hasMore)? = document["has_more"] else {
            throw failure("has_more", "expected a boolean, found \(document["has_more"]?.typeName ?? "nothing")")
        }
        for (index, entry) in data.enumerated() {
            guard let id = entry.string("id"), !id.isEmpty else {
                throw failure("id", "every entry needs a string id", entry: index)
            }
        }
        let lastID = document.string("last_id") ?? data.last?.string("id")
        if hasMore && lastID == nil { throw failure("last_id", "has_more is true but no id says where the next page starts") }
        self.entries = data
        self.hasMore = hasMore
        self.lastID = lastID
    }
}
