/// An HTTP response as plain Swift values.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lowercased; the last value wins when a header repeats.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}
