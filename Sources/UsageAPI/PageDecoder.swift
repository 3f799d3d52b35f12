import Foundation
import JSON

/// Strict decoding of usage and costs pages: required fields with the right types, unknown fields
/// tolerated, the live API's older spellings accepted, exact number text kept.
public struct PageDecoder: Sendable {
    public let endpoint: Endpoint
    private let dimensions: [Dimension]

    /// The metric slots filled from `amount` (costs) and from the old `sessions` spelling, if any.
    private let amountSlot: Int?, currencySlot: Int?, sessionsSlot: Int?
    /// Metric slots that are part of a result's identity (`Endpoint.keyMetrics`).
    private let keyMetricSlots: [Int]
    /// Each metric slot's kind, and the slots a result must fill: read for every result, so kept
    /// apart from the `Metric`s (whose names would be retained and released at each look).
    private let metricKinds: [Metric.Kind]
    private let requiredSlots: [Int]
    /// The fields of a result the decoder reads, matched in place (see `JSONParser.nextKey(in:)`).
    private let resultKeys: KeyTable
    private let resultFields: [ResultField]
    private enum ResultField { case dimension(Int), metric(Int), object, amount, sessions, ignored }

    public init(endpoint: Endpoint) {
        self.endpoint = endpoint
        self.dimensions = endpoint.resultDimensions
        let metricNames = endpoint.metrics.map(\.name)
        amountSlot = metricNames.firstIndex(of: "amount")
        currencySlot = metricNames.firstIndex(of: "currency")
        sessionsSlot = metricNames.firstIndex(of: "num_sessions")
        keyMetricSlots = endpoint.keyMetrics.compactMap { metricNames.firstIndex(of: $0) }
        metricKinds = endpoint.metrics.map(\.kind)
        requiredSlots = endpoint.metrics.indices.filter { endpoint.metrics[$0].required }
        var fields: [(String, ResultField)] = dimensions.enumerated().map { ($1.rawValue, .dimension($0)) }
        for (slot, metric) in endpoint.metrics.enumerated() where !["amount", "currency"].contains(metric.name) {
            if !fields.contains(where: { $0.0 == metric.name }) { fields.append((metric.name, .metric(slot))) }
        }
        fields += [("object", .object), ("amount", .amount), ("sessions", .sessions)]
        // Known and not stored: costs results name their organization (the rows are filed under
        // the run's, which the organization probe reads from this very field).
        if endpoint.isCosts { fields.append(("organization_id", .ignored)) }
        resultKeys = KeyTable(fields.map(\.0))
        resultFields = fields.map(\.1)
    }

    /// Decodes a whole page held in memory.
    public func decode(_ body: [UInt8]) throws -> UsagePage {
        var reader = try PageReader(decoder: self, parser: JSONParser(walking: body))
        var buckets: [UsageBucket] = []
        while let bucket = try reader.nextBucket() { buckets.append(bucket) }
        let ending = try reader.ending()
        return UsagePage(buckets: buckets, hasMore: ending.hasMore, nextPage: ending.nextPage, warnings: reader.warnings)
    }

    /// A reader of the page `source` streams in chunks (see `JSONParser.init(streaming:)`): its
    /// buckets come one at a time, so a page of any size is never held whole, raw or decoded.
    /// `results: false` reads only the buckets' times, passing over their results (see `summarize`).
    /// `readAhead` is how much of the page is buffered ahead of the member being read (tests and
    /// fuzzing make it small, so every chunk boundary is crossed).
    public func reader(streaming source: @escaping (inout [UInt8]) throws -> Bool, results: Bool = true,
                       readAhead: Int = JSONParser.defaultReadAhead) throws -> PageReader {
        do {
            return try PageReader(decoder: self, parser: JSONParser(streaming: source, readAhead: readAhead), results: results)
        } catch let error as JSONSyntaxError {
            throw DecodeError(endpoint: endpoint.name, field: "(document)", reason: "invalid JSON: \(error.reason)", offset: error.offset)
        }
    }

    /// Decodes the bucket that starts here, the `b`th of its page; without `results`, only its
    /// times, its results array passed over (syntax checked, nothing built).
    func bucket(_ parser: inout JSONParser, _ b: Int, results decodeResults: Bool = true, warnings: inout [String]) throws -> UsageBucket {
        guard parser.nextByte == UInt8(ascii: "{") else { throw failure(b, nil, "data[\(b)]", "expected an object") }
        try parser.beginObject()
        var start: Int64? = nil, end: Int64? = nil
        var results: [UsageResult]? = nil, oldSpelling: [UsageResult]? = nil
        var merged = 0
        var unknown: [String: Int] = [:]
        while let key = try parser.nextKey() {
            switch key {
            case "start_time": start = try integer(try parser.value(), b, nil, "start_time", required: true)
            case "end_time": end = try integer(try parser.value(), b, nil, "end_time", required: true)
            case "results", "result":
                guard parser.nextByte == UInt8(ascii: "[") else {
                    try parser.skipValue()
                    throw failure(b, nil, "results", "missing or not an array")
                }
                let list: [UsageResult]
                if decodeResults { list = try walkResults(&parser, b, merged: &merged, unknown: &unknown) } else { try parser.skipValue(); list = [] }
                if key == "results" { results = list } else { oldSpelling = list }
            default:
                try parser.skipValue()
            }
        }
        guard let start else { throw failure(b, nil, "start_time", "required but missing") }
        guard let end else { throw failure(b, nil, "end_time", "required but missing") }
        guard UTCTime.supported.contains(start) else { throw failure(b, nil, "start_time", "\(start) is not a time between the years 1 and 9999") }
        guard UTCTime.supported.contains(end) else { throw failure(b, nil, "end_time", "\(end) is not a time between the years 1 and 9999") }
        guard end > start else { throw failure(b, nil, "end_time", "not after start_time") }
        guard let list = results ?? oldSpelling else { throw failure(b, nil, "results", "missing or not an array") }
        for _ in 0..<merged { warnings.append("bucket \(start): two results with identical dimensions were summed") }
        return UsageBucket(startTime: start, endTime: end, results: list, unknownFields: unknown)
    }

    private func walkResults(_ parser: inout JSONParser, _ b: Int, merged: inout Int, unknown: inout [String: Int]) throws -> [UsageResult] {
        try parser.beginArray()
        var results: [UsageResult] = []
        // Results seen so far by a digest of their dimension values; a digest shared by different
        // values only costs a search.
        var seen: [UInt64: Int] = [:]
        // Each dimension's last value: the next result often has the same, and then reuses it.
        var recent = [String?](repeating: nil, count: dimensions.count)
        var r = 0
        while try parser.nextElement() {
            let result = try walkResult(&parser, b, r, recent: &recent, unknown: &unknown)
            let digest = Self.digest(identity(of: result))
            var existing = seen[digest]
            if let index = existing, !sameIdentity(results[index], result) {
                existing = results.firstIndex { sameIdentity($0, result) }
            }
            if let existing {
                results[existing] = try merge(results[existing], result, b, r)
                merged += 1
            } else {
                if seen[digest] == nil { seen[digest] = results.count }
                results.append(result)
            }
            r += 1
        }
        return results
    }

    /// What makes two results of a bucket the same group: their dimension values, and for costs
    /// their currency.
    private func identity(of result: UsageResult) -> [String?] {
        keyMetricSlots.isEmpty ? result.dimensions : result.dimensions + keyMetricSlots.map { result.values[$0]?.text }
    }

    private func sameIdentity(_ a: UsageResult, _ b: UsageResult) -> Bool {
        a.dimensions == b.dimensions && keyMetricSlots.allSatisfy { a.values[$0] == b.values[$0] }
    }

    /// A hash of the dimension values' UTF-8 (eight bytes at a step), each value marked as present
    /// or null: much cheaper than hashing the array of strings, and only used to find candidates.
    static func digest(_ values: [String?]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ word: UInt64) { hash = (hash ^ word) &* 0x100_0000_01b3; hash ^= hash >> 29 }
        for value in values {
            guard var value else { mix(0xFF); continue }
            value.withUTF8 { utf8 in
                guard let base = utf8.baseAddress else { return }
                var i = 0
                while i + 8 <= utf8.count { mix(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)); i += 8 }
                var tail: UInt64 = 0
                while i < utf8.count { tail = tail << 8 | UInt64(utf8[i]); i += 1 }
                mix(tail)
            }
            mix(0xFE)
        }
        return hash
    }

    private func walkResult(_ parser: inout JSONParser, _ b: Int, _ r: Int, recent: inout [String?],
                            unknown: inout [String: Int]) throws -> UsageResult {
        guard parser.nextByte == UInt8(ascii: "{") else {
            let other = try parser.value()
            throw failure(b, r, "results[\(r)]", "expected an object, found \(other.typeName)")
        }
        try parser.beginObject()
        var object: String? = nil
        var dims = [String?](repeating: nil, count: dimensions.count)
        var metrics = [MetricValue?](repeating: nil, count: metricKinds.count)
        var sessions: JSONValue? = nil
        var unknownName: String?
        var expected = 0 // results list their fields in the same order: the next one is tried first
        while let field = try parser.nextKey(in: resultKeys, unknown: &unknownName, hint: expected) {
            expected = field + 1
            guard field < resultFields.count else {
                // A field the catalog does not know: kept in the archived page, counted, not stored.
                if let name = unknownName { unknown[Self.printableFieldName(name), default: 0] += 1 }
                try parser.skipValue()
                continue
            }
            switch resultFields[field] {
            case .dimension(let slot):
                if let previous = recent[slot], parser.skipString(equalTo: previous) {
                    dims[slot] = previous
                    continue
                }
                let dimension = dimensions[slot]
                if let text = parser.plainString() {
                    // Written without escapes: nothing to make storable, and reusable as it is.
                    guard text.utf8.count <= Self.maxDimensionBytes else { throw tooLong(b, r, dimension, text) }
                    dims[slot] = text
                    recent[slot] = text
                    continue
                }
                switch try parser.value() {
                case .null: dims[slot] = nil
                case .string(let text):
                    guard text.utf8.count <= Self.maxDimensionBytes else { throw tooLong(b, r, dimension, text) }
                    let stored = Self.storable(text)
                    dims[slot] = stored
                    recent[slot] = JSONParser.isReusable(stored) ? stored : nil
                case .bool(let flag) where dimension.isBoolean: dims[slot] = flag ? "true" : "false"
                case let other: throw failure(b, r, dimension.rawValue, "expected a \(dimension.isBoolean ? "boolean" : "string") or null, found \(other.typeName)")
                }
            case .metric(let slot):
                if metricKinds[slot] == .count, let number = parser.plainInteger() {
                    metrics[slot] = .count(number)
                    continue
                }
                let metric = endpoint.metrics[slot]
                let value = try parser.value()
                switch metric.kind {
                case .count: metrics[slot] = try integer(value, b, r, metric.name, required: metric.required).map(MetricValue.count)
                case .decimal: metrics[slot] = try decimal(value, b, r, metric.name).map(MetricValue.text)
                case .text:
                    switch value {
                    case .null: metrics[slot] = nil
                    case .string(let text): metrics[slot] = .text(Self.storable(text))
                    case let other: throw failure(b, r, metric.name, "expected a string or null, found \(other.typeName)")
                    }
                }
            case .object:
                if parser.skipString(equalTo: endpoint.resultObject) {
                    object = endpoint.resultObject
                    continue
                }
                guard case .string(let text) = try parser.value() else { throw failure(b, r, "object", "missing or not a string") }
                object = text
            case .amount:
                let amount = try parser.value()
                if let slot = amountSlot {
                    metrics[slot] = try decimal(amount["value"], b, r, "amount.value").map(MetricValue.text)
                }
                if let slot = currencySlot {
                    switch amount["currency"] {
                    case nil, .null?: metrics[slot] = nil
                    case .string(let text)?: metrics[slot] = .text(Self.storable(text))
                    case let other?: throw failure(b, r, "currency", "expected a string or null, found \(other.typeName)")
                    }
                }
            case .sessions:
                sessions = try parser.value()
            case .ignored:
                try parser.skipValue()
            }
        }
        guard let object else { throw failure(b, r, "object", "missing or not a string") }
        guard object == endpoint.resultObject else {
            throw failure(b, r, "object", "expected '\(endpoint.resultObject)', found '\(object)'")
        }
        if let slot = sessionsSlot, metrics[slot] == nil, let sessions {
            metrics[slot] = try integer(sessions, b, r, "num_sessions", required: true).map(MetricValue.count)
        }
        for slot in requiredSlots where metrics[slot] == nil {
            throw failure(b, r, endpoint.metrics[slot].name, "required but missing")
        }
        return UsageResult(dimensions: dims, values: metrics)
    }

    func integer(_ value: JSONValue?, _ b: Int, _ r: Int?, _ field: String, required: Bool) throws -> Int64? {
        switch value {
        case nil, .null?:
            if required { throw failure(b, r, field, "required but missing") }
            return nil
        case .number(let text)?:
            guard let number = Int64(text) else { throw failure(b, r, field, "expected a 64-bit integer, found \(text)") }
            return number
        case let other?:
            throw failure(b, r, field, "expected an integer, found \(other.typeName)")
        }
    }

    private func decimal(_ value: JSONValue?, _ b: Int, _ r: Int, _ field: String) throws -> String? {
        switch value {
        case nil, .null?: return nil
        case .number(let text)?:
            guard DecimalText(text) != nil else { throw failure(b, r, field, "\(text.prefix(40)) is beyond what a PostgreSQL numeric holds") }
            return text
        case .string(let text)?:
            // Some extracts carry the amount as decimal text; accept it only if it is a valid JSON number.
            guard case .number(let parsed)? = try? JSONParser.parse(Array(text.utf8)) else {
                throw failure(b, r, field, "expected a number, found the string '\(text.prefix(40))'")
            }
            guard DecimalText(parsed) != nil else { throw failure(b, r, field, "\(parsed.prefix(40)) is beyond what a PostgreSQL numeric holds") }
            return parsed
        case let other?: throw failure(b, r, field, "expected a number, found \(other.typeName)")
        }
    }

    private func merge(_ a: UsageResult, _ b: UsageResult, _ bucket: Int, _ result: Int) throws -> UsageResult {
        var merged = a
        for (i, metric) in endpoint.metrics.enumerated() {
            switch (a.values[i], b.values[i]) {
            case (nil, let y): merged.values[i] = y
            case (let x, nil): merged.values[i] = x
            case let (.count(x)?, .count(y)?):
                let (sum, overflow) = x.addingReportingOverflow(y)
                guard !overflow else { throw failure(bucket, result, metric.name, "sum overflows 64 bits") }
                merged.values[i] = .count(sum)
            case let (x?, y?):
                switch metric.kind {
                case .count, .decimal:
                    guard let dx = DecimalText(x.text), let dy = DecimalText(y.text) else {
                        throw failure(bucket, result, metric.name, "cannot sum \(x.text) and \(y.text)")
                    }
                    merged.values[i] = .text((dx + dy).text)
                case .text:
                    merged.values[i] = x == y ? x : nil
                }
            }
        }
        return merged
    }

    /// Text as PostgreSQL can store it: U+0000 (which no `text` value may hold) becomes U+FFFD,
    /// like a lone surrogate does in the parser.
    /// The longest dimension value accepted, in UTF-8 bytes.
    public static let maxDimensionBytes = 2_048
    /// Unknown field names are reported cut to this many characters (a name is a key of
    /// `etl.window_unknown_fields`, and a line of `status` and of the logs).
    public static let maxUnknownFieldCharacters = 120

    /// An unknown field's name as reports show it: control characters (a newline that would forge
    /// a log line, an escape sequence for the terminal) as `\u{…}`, an empty name as `""`, a long
    /// one cut with its length in bytes.
    public static func printableFieldName(_ name: String) -> String {
        guard !name.isEmpty else { return "\"\"" }
        var out = ""
        for scalar in name.unicodeScalars {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029 {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        guard out.count > maxUnknownFieldCharacters else { return out }
        return String(out.prefix(maxUnknownFieldCharacters)) + "…(\(name.utf8.count) bytes)"
    }

    public static func storable(_ text: String) -> String {
        guard text.utf8.contains(0) else { return text }
        return String(text.unicodeScalars.map { $0 == "\u{0}" ? "\u{FFFD}" : Character($0) })
    }

    /// Dimension values are keys of indexed dimension tables: PostgreSQL's btree holds about 2.7 KB.
    private func tooLong(_ b: Int, _ r: Int, _ dimension: Dimension, _ text: String) -> DecodeError {
        failure(b, r, dimension.rawValue, "\(text.utf8.count) bytes, longer than the \(Self.maxDimensionBytes) a dimension value may have")
    }

    func failure(_ bucket: Int?, _ result: Int?, _ field: String, _ reason: String) -> DecodeError {
        DecodeError(endpoint: endpoint.name, bucket: bucket, result: result, field: field, reason: reason)
    }
}
