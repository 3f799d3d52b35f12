import APIClient
import Curl
import JSON
import Pipeline
import Postgres
import UsageAPI
import Warehouse

/// One parser of outside data, driven with arbitrary bytes: by libFuzzer in `usage-etl-fuzz`
/// (`make fuzz`), and over the seed corpora in the unit tests.
///
/// A target may throw (bad input must give an error); it must never trap. Where two ways of reading
/// the same bytes exist, it also checks that they agree, and reports a disagreement with
/// `Finding`, which the fuzz driver turns into a crash so libFuzzer keeps the input.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case jsonTree = "json-tree"
    case jsonWalk = "json-walk"
    case usagePage = "usage-page"
    case costsPage = "costs-page"
    case pageStream = "page-stream"
    case directoryPage = "directory-page"
    case apiError = "api-error"
    case pipelineFile = "pipeline-file"
    case organizationsFile = "organizations-file"
    case localLogLine = "local-log-line"
    case timeText = "time-text"
    case decimalText = "decimal-text"
    case numericBinary = "numeric-binary"

    /// Two readings of one input that should agree and do not: a bug, not bad input.
    public struct Finding: Error, CustomStringConvertible {
        public var description: String
    }

    /// The longest input worth trying: pages are small in the corpus, other inputs are lines.
    public var maxLength: Int {
        switch self {
        case .usagePage, .costsPage, .pageStream, .directoryPage, .jsonTree, .jsonWalk: 24_576
        case .pipelineFile, .organizationsFile: 8_192
        default: 1_024
        }
    }

    /// Runs the target on `bytes`. Returns normally for accepted and rejected input alike; throws
    /// only a `Finding`.
    public func run(_ bytes: [UInt8]) throws(Finding) {
        switch self {
        case .jsonTree: try Self.jsonTree(bytes)
        case .jsonWalk: try Self.jsonWalk(bytes)
        case .usagePage: Self.usagePage(bytes)
        case .costsPage: _ = try? PageDecoder(endpoint: EndpointCatalog.costs).decode(bytes)
        case .pageStream: try Self.pageStream(bytes)
        case .directoryPage: Self.directoryPage(bytes)
        case .apiError: try Self.apiError(bytes)
        case .pipelineFile: _ = try? PipelineDefinition(toml: String(decoding: bytes, as: UTF8.self), source: "fuzz")
        case .organizationsFile: _ = try? OrganizationsFile(toml: String(decoding: bytes, as: UTF8.self), source: "fuzz")
        case .localLogLine: try Self.localLogLine(bytes)
        case .timeText: try Self.timeText(bytes)
        case .decimalText: try Self.decimalText(bytes)
        case .numericBinary: try Self.numericBinary(bytes)
        }
    }

    // MARK: - Targets

    /// The tree parser; a document it accepts must also be accepted by the walker, and the other way round.
    static func jsonTree(_ bytes: [UInt8]) throws(Finding) {
        let tree = Result { try JSONParser.parse(bytes) }
        let walked = Result { () throws -> Void in
            var walker = JSONParser(walking: bytes)
            try walker.skipValue()
            try walker.end()
        }
        switch (tree, walked) {
        case (.success, .failure(let error)): throw Finding(description: "the tree parser accepts what the walker refuses: \(error)")
        case (.failure(let error), .success): throw Finding(description: "the walker accepts what the tree parser refuses: \(error)")
        default: break
        }
    }

    /// The walker member by member (keys matched in place, values built or passed over in turn); its
    /// verdict must be the tree parser's.
    static func jsonWalk(_ bytes: [UInt8]) throws(Finding) {
        let keys = KeyTableProbe.keys
        var build = false
        func walk(_ parser: inout JSONParser) throws {
            build.toggle()
            switch parser.nextByte {
            case UInt8(ascii: "{"):
                try parser.beginObject()
                while try parser.nextKey(in: keys) != nil { try walk(&parser) }
            case UInt8(ascii: "["):
                try parser.beginArray()
                while try parser.nextElement() { try walk(&parser) }
            default:
                if build { _ = try parser.value() } else { try parser.skipValue() }
            }
        }
        let walked = Result { () throws -> Void in
            var parser = JSONParser(walking: bytes)
            try walk(&parser)
            try parser.end()
        }
        let tree = Result { try JSONParser.parse(bytes) }
        switch (tree, walked) {
        case (.success, .failure(let error)): throw Finding(description: "the walker refuses a valid document: \(error)")
        case (.failure(let error), .success): throw Finding(description: "the walker accepts an invalid document: \(error)")
        default: break
        }
    }

    /// A usage page, decoded as the endpoint whose result object it names (completions otherwise).
    static func usagePage(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let endpoint = EndpointCatalog.all.first { !$0.isCosts && text.contains($0.resultObject) } ?? EndpointCatalog.completions
        _ = try? PageDecoder(endpoint: endpoint).decode(bytes)
    }

    /// The streamed reader over the same bytes cut at chunk boundaries derived from the input, with
    /// a read-ahead small enough that every boundary is crossed: its buckets, pagination and
    /// summary must equal the one-piece decode's, or both must fail (the stream may also fail on a
    /// value longer than its read-ahead, which the one-piece decode has no limit for).
    static func pageStream(_ bytes: [UInt8]) throws(Finding) {
        let document = bytes
        // The chunking and the read-ahead come from the bytes themselves, so seeds are plain pages.
        let control = UInt8(truncatingIfNeeded: bytes.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 })
        let text = String(decoding: document, as: UTF8.self)
        let endpoint = EndpointCatalog.all.first { text.contains($0.resultObject) } ?? EndpointCatalog.completions
        let decoder = PageDecoder(endpoint: endpoint)
        let readAhead = 16 + Int(control & 0x3F) * 8
        let whole = Result { try decoder.decode(document) }
        let streamed = Result { () throws -> UsagePage in
            var reader = try decoder.reader(streaming: chunks(of: document, seed: control), readAhead: readAhead)
            var buckets: [UsageBucket] = []
            while let bucket = try reader.nextBucket() { buckets.append(bucket) }
            let ending = try reader.ending()
            return UsagePage(buckets: buckets, hasMore: ending.hasMore, nextPage: ending.nextPage, warnings: reader.warnings)
        }
        let summary = Result { try decoder.summarize(streaming: chunks(of: document, seed: control &+ 1), readAhead: readAhead) }
        switch (whole, streamed) {
        case (.success(let a), .success(let b)):
            guard same(a, b) else { throw Finding(description: "streamed page differs from the one-piece decode") }
            let s: PageSummary
            switch summary {
            case .success(let value): s = value
            case .failure(let error) where "\(error)".contains(JSONParser.longerThanReadAhead): return
            case .failure(let error): throw Finding(description: "the summary refuses a page that decodes: \(error)")
            }
            guard s.hasMore == a.hasMore, s.nextPage == a.nextPage, s.bucketCount == a.buckets.count,
                  s.firstBucketStart == a.buckets.first?.startTime, s.lastBucketStart == a.buckets.last?.startTime else {
                throw Finding(description: "the summary differs from the decoded page")
            }
        case (.success, .failure(let error)):
            guard "\(error)".contains(JSONParser.longerThanReadAhead) else {
                throw Finding(description: "the stream refuses a page the one-piece decode accepts: \(error)")
            }
        case (.failure(let error), .success):
            throw Finding(description: "the stream accepts a page the one-piece decode refuses: \(error)")
        case (.failure, .failure):
            break
        }
    }

    /// A source handing out `document` in chunks of 1…64 bytes, sized by a generator seeded with `seed`.
    static func chunks(of document: [UInt8], seed: UInt8) -> (inout [UInt8]) throws -> Bool {
        var position = 0
        var state = UInt64(seed) | 0x9E37_79B9_0000_0000
        return { buffer in
            guard position < document.count else { return false }
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let size = 1 + Int((state >> 33) % 64)
            let end = min(document.count, position + size)
            buffer.append(contentsOf: document[position..<end])
            position = end
            return true
        }
    }

    static func same(_ a: UsagePage, _ b: UsagePage) -> Bool {
        a.hasMore == b.hasMore && a.nextPage == b.nextPage && a.warnings == b.warnings && a.buckets.count == b.buckets.count
            && zip(a.buckets, b.buckets).allSatisfy { $0.startTime == $1.startTime && $0.endTime == $1.endTime && $0.results == $1.results }
    }

    /// A directory page as each list decodes it, gathered into a directory.
    static func directoryPage(_ bytes: [UInt8]) {
        for list in [DirectoryList.projects, .users, .projectAPIKeys(projectID: "proj_fuzz"), .projectServiceAccounts(projectID: "proj_fuzz")] {
            guard let page = try? DirectoryPage(decoding: bytes, list: list) else { continue }
            var directory = OrganizationDirectory()
            directory.add(page, of: list)
        }
    }

    /// An API error body, and its first line as the Retry-After headers of a 429.
    static func apiError(_ bytes: [UInt8]) throws(Finding) {
        _ = UsageAPIClient.errorFields(bytes)
        let line = String(decoding: bytes.prefix { $0 != 0x0A }, as: UTF8.self)
        for header in ["retry-after", "retry-after-ms"] {
            let seconds = UsageAPIClient.retryAfter(HTTPResponse(status: 429, headers: [header: line], body: bytes))
            if let seconds, !(seconds >= 0 && seconds <= UsageAPIClient.retryAfterLimit) {
                throw Finding(description: "Retry-After \(line) gave \(seconds) s")
            }
        }
    }

    /// An application log line; what it accepts must be what the warehouse can store.
    static func localLogLine(_ bytes: [UInt8]) throws(Finding) {
        guard let entry = try? LocalUsageImporter.parse(bytes) else { return }
        guard UTCTime.supported.contains(entry.timestamp) else { throw Finding(description: "accepted timestamp \(entry.timestamp)") }
        guard !entry.model.isEmpty, !entry.model.utf8.contains(0) else { throw Finding(description: "accepted model \(entry.model)") }
        for count in [entry.input, entry.output] where Int64(count).map({ $0 < 0 }) ?? true {
            throw Finding(description: "accepted token count \(count)")
        }
        if let cost = entry.cost, DecimalText(cost) == nil { throw Finding(description: "accepted cost \(cost)") }
    }

    /// Times and durations as operators write them (flags, pipeline files): what parses is in range
    /// and reads back the same.
    static func timeText(_ bytes: [UInt8]) throws(Finding) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let seconds = UTCTime.parse(text) {
            guard UTCTime.supported.contains(seconds) else { throw Finding(description: "\(text) parsed to \(seconds)") }
            let printed = UTCTime.format(seconds)
            guard UTCTime.parse(printed) == seconds else { throw Finding(description: "\(text) → \(seconds) → \(printed) does not read back") }
            _ = floorDiv(seconds, 3600)
            _ = ceilDiv(seconds, 86_400)
            _ = PostgresTimestamp.formatUnix(seconds)
        }
        if let duration = PipelineDefinition.parseDuration(text), !(0...PipelineDefinition.maxDuration).contains(duration) {
            throw Finding(description: "duration \(text) parsed to \(duration)")
        }
    }

    /// Exact decimal text: what parses adds up without a trap, and adding zero changes nothing.
    static func decimalText(_ bytes: [UInt8]) throws(Finding) {
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
        guard let first = parts.first.flatMap(DecimalText.init) else { return }
        let zero = DecimalText("0")
        if let zero, (first + zero) != first { throw Finding(description: "\(text) + 0 changed it") }
        if parts.count > 1, let second = DecimalText(parts[1]) {
            guard (first + second).text == (second + first).text else { throw Finding(description: "\(text): addition not commutative") }
        }
    }
}

extension FuzzTarget {
    /// The binary `numeric` of COPY from decimal text: never a trap; every amount the decoder
    /// accepts (`DecimalText`) has a binary form, the same value as its plain spelling has, with
    /// digits in 0...9999 and none of them a leading or trailing zero.
    static func numericBinary(_ bytes: [UInt8]) throws(Finding) {
        let text = String(decoding: bytes, as: UTF8.self)
        let binary = NumericBinary(text)
        guard let decimal = DecimalText(text) else { return }
        guard let binary else { throw Finding(description: "\(text.prefix(80)) is a decimal without a binary numeric") }
        guard binary.digits.allSatisfy({ (0...9999).contains($0) }), binary.digits.first != 0, binary.digits.last != 0 else {
            throw Finding(description: "\(text.prefix(80)): digits \(binary.digits.prefix(8)) out of form")
        }
        guard let plain = NumericBinary(decimal.text) else { throw Finding(description: "\(decimal.text.prefix(80)) has no binary numeric") }
        guard (plain.negative, plain.weight, plain.digits) == (binary.negative, binary.weight, binary.digits) else {
            throw Finding(description: "\(text.prefix(80)) and its plain spelling \(decimal.text.prefix(80)) differ in binary")
        }
    }
}

/// Keys the walk target looks up in place, as the page decoder does.
enum KeyTableProbe {
    static let keys = KeyTable(["object", "data", "results", "start_time", "amount", "\u{1F600}"])
}
