import EmbeddedResources
import UsageAPI

/// A pipeline file (`Pipelines/*.toml`): which streams to load and how a scheduled `sync` runs them.
///
/// ```toml
/// name = "daily"
/// bucket_width = "1d"          # default width of the streams
/// lookback = "2d"              # re-fetched behind each stream's high-water mark by `sync`
/// initial_period = "30d"       # how far back `sync` starts on an empty warehouse
/// parallelism = 2
/// requests_per_minute = 60
/// page_limit = 31              # optional, buckets per page (default: the API's cap)
///
/// [[streams]]
/// endpoint = "completions"
/// group_by = ["project_id", "model"]     # optional; default: the finest grouping the endpoint supports
/// filters = { project_ids = ["proj_a"] }  # optional
/// batch = false                           # optional (completions)
/// bucket_width = "1h"                     # optional override
/// lookback = "6h"                         # optional override
/// ```
public struct PipelineDefinition: Sendable, Equatable {
    /// One stream of the pipeline and its own lookback.
    public struct Stream: Sendable, Equatable {
        public var endpoint: Endpoint
        public var width: BucketWidth
        public var groupBy: [Dimension]
        public var filters: [String: [String]]
        public var batch: Bool?
        public var lookbackSeconds: Int64

        public func spec(organization: String) -> StreamSpec {
            StreamSpec(organization: organization, endpoint: endpoint, width: width, groupBy: groupBy, filters: filters, batch: batch)
        }
    }

    /// A pipeline file that cannot be used, with where and why.
    public struct Invalid: Error, CustomStringConvertible {
        public var source: String
        public var reason: String
        public var description: String { "pipeline \(source): \(reason)" }
    }

    public var name: String
    public var streams: [Stream]
    public var initialPeriodSeconds: Int64
    public var parallelism: Int
    public var requestsPerMinute: Int
    public var pageLimit: Int?

    static let topLevelKeys: Set<String> = [
        "name", "description", "bucket_width", "lookback", "initial_period", "parallelism", "requests_per_minute",
        "page_limit", "streams",
    ]
    static let streamKeys: Set<String> = ["endpoint", "bucket_width", "group_by", "filters", "batch", "lookback"]

    /// Default lookbacks, chosen for how late data settles: daily usage and costs are restated for
    /// about a day, minute buckets for about 15 minutes.
    public static func defaultLookback(_ width: BucketWidth) -> Int64 {
        switch width {
        case .day: 2 * 86_400
        case .hour: 6 * 3600
        case .minute: 3600
        }
    }

    /// Parses and validates a pipeline; `source` names it in errors (a path, or "built-in daily").
    public init(toml text: String, source: String) throws {
        func invalid(_ reason: String) -> Invalid { Invalid(source: source, reason: reason) }
        let table: TOMLTable
        do { table = try TOMLTable(parsing: text) } catch {
            throw invalid("not valid TOML at \(error)")
        }
        for key in table.keys where !Self.topLevelKeys.contains(key) {
            throw invalid("unknown key '\(key)' (known: \(Self.topLevelKeys.sorted().joined(separator: ", ")))")
        }
        func string(_ table: TOMLTable, _ key: String, _ context: String) throws -> String? {
            guard let value = table[key] else { return nil }
            guard let text = value.string else { throw invalid("\(context)\(key) must be a string") }
            return text
        }
        func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
            guard let value = table[key] else { return nil }
            guard let number = value.int, range.contains(number) else {
                throw invalid("\(key) must be an integer between \(range.lowerBound) and \(range.upperBound)")
            }
            return number
        }
        func width(_ text: String?, _ context: String) throws -> BucketWidth? {
            guard let text else { return nil }
            guard let width = BucketWidth(rawValue: text) else { throw invalid("\(context)bucket_width '\(text)' must be 1d, 1h or 1m") }
            return width
        }
        func duration(_ text: String?, _ context: String) throws -> Int64? {
            guard let text else { return nil }
            guard let seconds = Self.parseDuration(text) else {
                throw invalid("\(context) '\(text.prefix(40))' is not a duration like 15m, 6h or 2d (at most 366d)")
            }
            return seconds
        }

        name = try string(table, "name", "") ?? source
        let defaultWidth = try width(try string(table, "bucket_width", ""), "") ?? .day
        let defaultLookback = try duration(try string(table, "lookback", ""), "lookback")
        initialPeriodSeconds = try duration(try string(table, "initial_period", ""), "initial_period") ?? 30 * 86_400
        guard initialPeriodSeconds > 0, initialPeriodSeconds <= 365 * 86_400 else {
            throw invalid("initial_period must be between 1m and 365d")
        }
        parallelism = try integer("parallelism", in: 1...32) ?? 2
        requestsPerMinute = try integer("requests_per_minute", in: 1...100_000) ?? 60
        pageLimit = try integer("page_limit", in: 1...1440)

        guard let list = table["streams"] else { throw invalid("no [[streams]]: a pipeline loads at least one stream") }
        guard let array = list.array else { throw invalid("streams must be an array of tables ([[streams]])") }
        var streams: [Stream] = []
        for (index, element) in array.enumerated() {
            let context = "streams[\(index)]."
            guard let entry = element.table else { throw invalid("streams[\(index)] must be a table") }
            for key in entry.keys where !Self.streamKeys.contains(key) {
                throw invalid("unknown key '\(context)\(key)' (known: \(Self.streamKeys.sorted().joined(separator: ", ")))")
            }
            guard let endpointName = try string(entry, "endpoint", context) else { throw invalid("\(context)endpoint is required") }
            guard let endpoint = EndpointCatalog.named(endpointName) else {
                throw invalid("\(context)endpoint '\(endpointName)' is unknown (known: \(EndpointCatalog.all.map(\.name).joined(separator: ", ")))")
            }
            let streamWidth = try width(try string(entry, "bucket_width", context), context) ?? (endpoint.isCosts ? .day : defaultWidth)
            guard endpoint.widths.contains(streamWidth) else {
                throw invalid("\(context)endpoint \(endpoint.name) does not support bucket width \(streamWidth.rawValue)")
            }
            var groupBy = endpoint.groupBy
            if let value = entry["group_by"] {
                guard let names = value.array?.map({ $0.string }), !names.contains(nil) else {
                    throw invalid("\(context)group_by must be an array of strings")
                }
                groupBy = []
                for name in names.compactMap({ $0 }) {
                    guard let dimension = Dimension(rawValue: name), endpoint.groupBy.contains(dimension) else {
                        throw invalid("\(context)group_by '\(name)' is not supported by \(endpoint.name) (supported: \(endpoint.groupBy.map(\.rawValue).joined(separator: ", ")))")
                    }
                    groupBy.append(dimension)
                }
            }
            var filters: [String: [String]] = [:]
            if let value = entry["filters"] {
                guard let filterTable = value.table else { throw invalid("\(context)filters must be a table of arrays") }
                for key in filterTable.keys {
                    guard endpoint.arrayFilters[key] != nil else {
                        throw invalid("\(context)filters.\(key) is not a filter of \(endpoint.name) (filters: \(endpoint.arrayFilters.keys.sorted().joined(separator: ", ")))")
                    }
                    guard let values = filterTable[key]?.array?.map({ $0.string }), !values.contains(nil), !values.isEmpty else {
                        throw invalid("\(context)filters.\(key) must be a non-empty array of strings")
                    }
                    filters[key] = values.compactMap { $0 }
                }
            }
            var batch: Bool? = nil
            if let value = entry["batch"] {
                guard endpoint.booleanFilters.contains("batch") else { throw invalid("\(context)batch is not a filter of \(endpoint.name)") }
                guard let flag = value.bool else { throw invalid("\(context)batch must be true or false") }
                batch = flag
            }
            let lookback = try duration(try string(entry, "lookback", context), "\(context)lookback")
                ?? defaultLookback ?? Self.defaultLookback(streamWidth)
            let stream = Stream(endpoint: endpoint, width: streamWidth, groupBy: groupBy, filters: filters, batch: batch,
                                lookbackSeconds: lookback)
            if streams.contains(where: { $0.spec(organization: "") == stream.spec(organization: "") }) {
                throw invalid("\(context) repeats the stream \(endpoint.name) \(streamWidth.rawValue) with the same grouping and filters")
            }
            streams.append(stream)
        }
        guard !streams.isEmpty else { throw invalid("no [[streams]]: a pipeline loads at least one stream") }
        self.streams = streams
    }

    /// `15m`, `6h`, `2d` (also `90s`) in seconds; nil for anything else and for more than `maxDuration`.
    public static func parseDuration(_ text: String) -> Int64? {
        guard let unit = text.last, text.dropLast().utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let count = Int64(text.dropLast()) else { return nil }
        let scale: Int64
        switch unit {
        case "s": scale = 1
        case "m": scale = 60
        case "h": scale = 3600
        case "d": scale = 86_400
        default: return nil
        }
        let (seconds, overflow) = count.multipliedReportingOverflow(by: scale)
        guard !overflow, seconds <= maxDuration else { return nil }
        return seconds
    }

    /// The longest duration a pipeline may name: the API serves a year.
    public static let maxDuration: Int64 = 366 * 86_400

    /// The built-in default, `Pipelines/daily.toml` compiled into the binary.
    public static func builtIn(_ name: String) throws -> PipelineDefinition? {
        guard let text = EmbeddedFiles.files["Pipelines/\(name).toml"] else { return nil }
        return try PipelineDefinition(toml: text, source: "built-in \(name)")
    }
}
