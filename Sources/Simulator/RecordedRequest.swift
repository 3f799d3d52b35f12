/// One request the simulator answered, for tests that count requests.
public struct RecordedRequest: Sendable {
    public var endpoint: String
    public var query: [(String, String)]
    public var status: Int
    public var fault: String?
    /// The organization whose key the request carried (nil when no accepted key).
    public var organization: String?

    public func parameter(_ name: String) -> String? { query.first { $0.0 == name }?.1 }
}
