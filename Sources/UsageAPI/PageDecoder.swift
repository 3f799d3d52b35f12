import Foundation

/// Strict decoding of usage and costs pages: required fields with the right types, unknown fields
/// tolerated, the live API's older spellings accepted, exact number text kept.
public struct PageDecoder: Sendable {
    public let endpoint: Endpoint
    private let dimensions: [Dimension]

    public init(endpoint: Endpoint) {
        self.endpoint = endpoint
        self.dimensions = EndpointCatalog.factDimensions(endpoint)
    }

    public func decode(_ body: [UInt8]) throws -> UsagePage {
        let document: JSONValue
        do {
            document = try JSONParser.parse(body)
        } catch let error as JSONSyntaxError {
            throw DecodeError(endpoint: endpoint.name, field: "(document)", reason: error.description)
        }
        guard case .object = document else { throw failure(nil, nil, "(document)", "expected an object, found \(document.typeName)") }
        guard case .array(let data)? = document["data"] else { throw failure(nil, nil, "data", "missing or not an array") }
        guard case .bool(let hasMore)? = document["has_more"] else { throw failure(nil, nil, "has_more", "missing or not a boolean") }
        var nextPage: String? = nil
        switch document["next_page"] {
        case .string(let cursor)?: nextPage = cursor
        case .null?, nil: nextPage = nil
        case let other?: throw failure(nil, nil, "next_page", "expected a string or null, found \(other.typeName)")
        }
        var warnings: [String] = []
        var buckets: [UsageBucket] = []
        buckets.reserveCapacity(data.count)
        for (b, bucketValue) in data.enumerated() {
            guard case .object = bucketValue else { throw failure(b, nil, "data[\(b)]", "expected an object") }
            let start = try integer(bucketValue["start_time"], b, nil, "start_time", required: true)!
            let end = try integer(bucketValue["end_time"], b, nil, "end_time", required: true)!
            guard end > start else { throw failure(b, nil, "end_time", "not after start_time") }
            guard case .array(let rawResults)? = bucketValue["results"] ?? bucketValue["result"] else {
                throw failure(b, nil, "results", "missing or not an array")
            }
            var results: [UsageResult] = []
            var seen: [[String?]: Int] = [:]
            for (r, resultValue) in rawResults.enumerated() {
                let result = try decodeResult(resultValue, b, r)
                if let existing = seen[result.dimensions] {
                    results[existing] = try merge(results[existing], result, b, r)
                    warnings.append("bucket \(start): two results with identical dimensions were summed")
                } else {
                    seen[result.dimensions] = results.count
                    results.append(result)
                }
            }
            buckets.append(UsageBucket(startTime: Int64(start), endTime: Int64(end), results: results))
        }
        return UsagePage(buckets: buckets, hasMore: hasMore, nextPage: nextPage, warnings: warnings)
    }

    private func decodeResult(_ value: JSONValue, _ b: Int, _ r: Int) throws -> UsageResult {
        guard case .object = value else { throw failure(b, r, "results[\(r)]", "expected an object, found \(value.typeName)") }
        guard case .string(let object)? = value["object"] else { throw failure(b, r, "object", "missing or not a string") }
        guard object == endpoint.resultObject else {
            throw failure(b, r, "object", "expected '\(endpoint.resultObject)', found '\(object)'")
        }
        var dims: [String?] = []
        dims.reserveCapacity(dimensions.count)
        for dimension in dimensions {
            switch value[dimension.rawValue] {
            case nil, .null?: dims.append(nil)
            case .string(let text)?: dims.append(text)
            case .bool(let flag)? where dimension.isBoolean: dims.append(flag ? "true" : "false")
            case let other?: throw failure(b, r, dimension.rawValue, "expected a \(dimension.isBoolean ? "boolean" : "string") or null, found \(other.typeName)")
            }
        }
        var metrics: [String?] = []
        metrics.reserveCapacity(endpoint.metrics.count)
        for metric in endpoint.metrics {
            switch metric.kind {
            case .count:
                var raw = value[metric.name]
                if raw == nil, metric.name == "num_sessions" { raw = value["sessions"] }
                metrics.append(try integer(raw, b, r, metric.name, required: metric.required).map(String.init))
            case .decimal:
                let raw: JSONValue? = metric.name == "amount" ? value["amount"]?["value"] : value[metric.name]
                metrics.append(try decimal(raw, b, r, metric.name == "amount" ? "amount.value" : metric.name))
            case .text:
                let raw: JSONValue? = metric.name == "currency" ? value["amount"]?["currency"] : value[metric.name]
                switch raw {
                case nil, .null?: metrics.append(nil)
                case .string(let text)?: metrics.append(text)
                case let other?: throw failure(b, r, metric.name, "expected a string or null, found \(other.typeName)")
                }
            }
        }
        return UsageResult(dimensions: dims, metrics: metrics)
    }

    private func integer(_ value: JSONValue?, _ b: Int, _ r: Int?, _ field: String, required: Bool) throws -> Int64? {
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
        case .number(let text)?: return text
        case .string(let text)?:
            // Some extracts carry the amount as decimal text; accept it only if it is a valid JSON number.
            guard case .number(let parsed)? = try? JSONParser.parse(Array(text.utf8)) else {
                throw failure(b, r, field, "expected a number, found the string '\(text)'")
            }
            return parsed
        case let other?: throw failure(b, r, field, "expected a number, found \(other.typeName)")
        }
    }

    private func merge(_ a: UsageResult, _ b: UsageResult, _ bucket: Int, _ result: Int) throws -> UsageResult {
        var merged = a
        for (i, metric) in endpoint.metrics.enumerated() {
            switch (a.metrics[i], b.metrics[i]) {
            case (nil, let y): merged.metrics[i] = y
            case (let x, nil): merged.metrics[i] = x
            case let (x?, y?):
                switch metric.kind {
                case .count:
                    let (sum, overflow) = Int64(x)!.addingReportingOverflow(Int64(y)!)
                    guard !overflow else { throw failure(bucket, result, metric.name, "sum overflows 64 bits") }
                    merged.metrics[i] = String(sum)
                case .decimal:
                    guard let dx = Decimal(string: x, locale: Locale(identifier: "en_US_POSIX")),
                          let dy = Decimal(string: y, locale: Locale(identifier: "en_US_POSIX")) else {
                        throw failure(bucket, result, metric.name, "cannot sum \(x) and \(y)")
                    }
                    merged.metrics[i] = (dx + dy).description
                case .text:
                    merged.metrics[i] = x == y ? x : nil
                }
            }
        }
        return merged
    }

    private func failure(_ bucket: Int?, _ result: Int?, _ field: String, _ reason: String) -> DecodeError {
        DecodeError(endpoint: endpoint.name, bucket: bucket, result: result, field: field, reason: reason)
    }
}
