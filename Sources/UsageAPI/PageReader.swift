import JSON

/// Reads one usage or costs page bucket by bucket, in document order: `nextBucket()` until nil,
/// then `ending()` for the pagination fields. Only the current bucket is ever decoded in memory.
public struct PageReader {
    private let decoder: PageDecoder
    private var parser: JSONParser
    private enum Position { case members, buckets, finished }
    private var position = Position.members
    private var sawData = false
    private var hasMore: Bool?
    private var nextPage: String?
    private var bucketIndex = 0
    /// Whether buckets come with their results decoded, or only their times.
    private let decodeResults: Bool
    /// Tolerated irregularities met so far (e.g. duplicate results summed).
    public private(set) var warnings: [String] = []

    /// How the page ends: whether another follows, and its cursor.
    public struct Ending: Sendable, Equatable {
        public var hasMore: Bool
        public var nextPage: String?
    }

    init(decoder: PageDecoder, parser: JSONParser, results: Bool = true) throws {
        self.decoder = decoder
        self.parser = parser
        self.decodeResults = results
        guard self.parser.nextByte == UInt8(ascii: "{") else {
            let found: String
            do { found = try self.parser.value().typeName } catch let error as JSONSyntaxError {
                throw DecodeError(endpoint: decoder.endpoint.name, field: "(document)", reason: "invalid JSON: \(error.reason)", offset: error.offset)
            }
            throw decoder.failure(nil, nil, "(document)", "expected an object, found \(found)")
        }
        try syntax { try $0.beginObject() }
    }

    /// The next bucket of the page, or nil after the last one once the whole document is read.
    public mutating func nextBucket() throws -> UsageBucket? {
        while true {
            switch position {
            case .finished:
                return nil
            case .buckets:
                if try syntax({ try $0.nextElement() }) {
                    let index = bucketIndex
                    bucketIndex += 1
                    let (decoder, decodeResults) = (self.decoder, self.decodeResults)
                    var found = warnings
                    defer { warnings = found }
                    return try syntax { try decoder.bucket(&$0, index, results: decodeResults, warnings: &found) }
                }
                position = .members
            case .members:
                guard let key = try syntax({ try $0.nextKey() }) else {
                    try syntax { try $0.end() }
                    position = .finished
                    return nil
                }
                switch key {
                case "data":
                    guard !sawData else { throw decoder.failure(nil, nil, "data", "appears twice") }
                    guard parser.nextByte == UInt8(ascii: "[") else {
                        try syntax { try $0.skipValue() }
                        throw decoder.failure(nil, nil, "data", "missing or not an array")
                    }
                    try syntax { try $0.beginArray() }
                    sawData = true
                    position = .buckets
                case "has_more":
                    guard case .bool(let flag) = try syntax({ try $0.value() }) else {
                        throw decoder.failure(nil, nil, "has_more", "missing or not a boolean")
                    }
                    hasMore = flag
                case "next_page":
                    switch try syntax({ try $0.value() }) {
                    case .string(let cursor):
                        guard !cursor.utf8.contains(0) else { throw decoder.failure(nil, nil, "next_page", "contains U+0000") }
                        nextPage = cursor
                    case .null: nextPage = nil
                    case let other: throw decoder.failure(nil, nil, "next_page", "expected a string or null, found \(other.typeName)")
                    }
                default:
                    try syntax { try $0.skipValue() }
                }
            }
        }
    }

    /// The pagination fields; call after `nextBucket()` returned nil.
    public func ending() throws -> Ending {
        guard position == .finished else { throw decoder.failure(nil, nil, "(document)", "internal error: ending() before the last bucket was read") }
        guard sawData else { throw decoder.failure(nil, nil, "data", "missing or not an array") }
        guard let hasMore else { throw decoder.failure(nil, nil, "has_more", "missing or not a boolean") }
        return Ending(hasMore: hasMore, nextPage: nextPage)
    }

    /// Runs a step of the parser, reporting invalid JSON as a malformed response, and locating
    /// every failure at the byte where it stopped.
    private mutating func syntax<T>(_ step: (inout JSONParser) throws -> T) throws -> T {
        do { return try step(&parser) } catch let error as JSONSyntaxError {
            throw DecodeError(endpoint: decoder.endpoint.name, field: "(document)", reason: "invalid JSON: \(error.reason)", offset: error.offset)
        } catch var error as DecodeError {
            if error.offset == nil { error.offset = parser.offset }
            throw error
        }
    }
}
