import Foundation
import UsageAPI

/// A validated request to a usage or costs endpoint, and how it is read from request parameters.
public struct UsageQuery: Sendable, Equatable {
    public var endpoint: Endpoint
    public var startTime: Int64
    public var endTime: Int64?
    public var width: BucketWidth
    public var groupBy: Set<UsageAPI.Dimension>
    /// Array filters by parameter name (`project_ids`, `models`, …).
    public var filters: [String: Set<String>]
    public var batch: Bool?
    public var limit: Int

    public init(endpoint: Endpoint, startTime: Int64, endTime: Int64? = nil, width: BucketWidth = .day,
                groupBy: Set<UsageAPI.Dimension> = [], filters: [String: Set<String>] = [:], batch: Bool? = nil, limit: Int? = nil) {
        self.endpoint = endpoint
        self.startTime = startTime
        self.endTime = endTime
        self.width = width
        self.groupBy = groupBy
        self.filters = filters
        self.batch = batch
        self.limit = limit ?? endpoint.defaultLimit(for: width)
    }
}

extension UsageQuery {
    /// A parsed request: its query, and the start of the page its `page` cursor names (nil: the first page).
    typealias Parsed = (query: UsageQuery, pageStart: Int64?)

    /// What `parameters` ask of `endpoint` at `now` (cursors older than `cursorTTLSeconds` expired),
    /// or the 400 the API answers.
    static func parse(_ parameters: [(String, String)], endpoint: Endpoint, now: Int64,
                      cursorTTLSeconds: Int?) -> Result<Parsed, HTTPReplyError> {
        func values(_ name: String) -> [String] {
            // Repeated keys, `key[]=`, and comma-joined values are all accepted.
            parameters.filter { $0.0 == name || $0.0 == name + "[]" }
                .flatMap { $0.1.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
                .filter { !$0.isEmpty }
        }
        func bad(_ message: String, _ param: String?, code: String? = nil) -> Result<Parsed, HTTPReplyError> {
            .failure(HTTPReplyError(reply: HTTPReply.apiError(400, message, type: "invalid_request_error", param: param, code: code)))
        }
        guard let startText = values("start_time").first else { return bad("Missing required parameter: 'start_time'.", "start_time") }
        guard let start = Int64(startText) else { return bad("Invalid 'start_time': expected an integer Unix timestamp.", "start_time") }
        var end: Int64? = nil
        if let endText = values("end_time").first {
            guard let parsed = Int64(endText) else { return bad("Invalid 'end_time': expected an integer Unix timestamp.", "end_time") }
            guard parsed > start else { return bad("'end_time' must be greater than 'start_time'.", "end_time") }
            end = parsed
        }
        let retention = now - EndpointCatalog.reportingHistorySeconds
        if start < retention {
            return bad("start_time is older than the reporting lookback window; the earliest start_time allowed is \(retention).",
                       "start_time", code: "reporting_lookback_exceeded")
        }
        let widthText = values("bucket_width").first ?? "1d"
        guard let width = BucketWidth(rawValue: widthText), endpoint.widths.contains(width) else {
            return bad("Invalid 'bucket_width': '\(widthText)'. Expected one of: \(endpoint.widths.map(\.rawValue).joined(separator: ", ")).", "bucket_width")
        }
        var limit = endpoint.defaultLimit(for: width)
        if let limitText = values("limit").first {
            guard let parsed = Int(limitText), parsed >= 1 else { return bad("Invalid 'limit': expected a positive integer.", "limit") }
            guard parsed <= endpoint.maxLimit(for: width) else {
                return bad("Invalid 'limit': \(parsed) is greater than the maximum of \(endpoint.maxLimit(for: width)) for bucket_width \(width.rawValue).", "limit")
            }
            limit = parsed
        }
        var groupBy = Set<UsageAPI.Dimension>()
        for field in values("group_by") {
            guard let dimension = UsageAPI.Dimension(rawValue: field), endpoint.groupBy.contains(dimension) else {
                return bad("Invalid 'group_by' value: '\(field)'. Supported: \(endpoint.groupBy.map(\.rawValue).joined(separator: ", ")).", "group_by")
            }
            groupBy.insert(dimension)
        }
        var filters: [String: Set<String>] = [:]
        for name in endpoint.arrayFilters.keys {
            let list = values(name)
            if !list.isEmpty { filters[name] = Set(list) }
        }
        var batch: Bool? = nil
        if endpoint.booleanFilters.contains("batch"), let text = values("batch").first {
            guard text == "true" || text == "false" else { return bad("Invalid 'batch': expected true or false.", "batch") }
            batch = text == "true"
        }
        var pageStart: Int64? = nil
        if let page = values("page").first {
            guard let decoded = PageCursor(page, query: parameters) else {
                return bad("Invalid page cursor.", "page", code: "invalid_cursor")
            }
            if let ttl = cursorTTLSeconds, now - decoded.issuedAt > Int64(ttl) {
                return bad("The page cursor has expired. Start again without 'page'.", "page", code: "invalid_cursor")
            }
            pageStart = decoded.start
        }
        return .success((UsageQuery(endpoint: endpoint, startTime: start, endTime: end, width: width, groupBy: groupBy,
                                    filters: filters, batch: batch, limit: limit), pageStart))
    }
}
