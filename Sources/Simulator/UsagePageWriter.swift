import UsageAPI

/// Writes a usage or costs page as the API does, from the ground truth straight into one buffer:
/// exact number text, metrics in catalog order, dimensions in `group_by` order, and the live
/// quirks' spellings and shapes when the fault configuration asks for them.
struct UsagePageWriter {
    private let query: UsageQuery
    private let endpoint: Endpoint
    private let truth: GroundTruth
    private let now: Int64
    private let faults: FaultConfiguration

    /// A writer of the pages answering `query` at `now`.
    init(query: UsageQuery, truth: GroundTruth, now: Int64, faults: FaultConfiguration) {
        self.query = query
        endpoint = query.endpoint
        self.truth = truth
        self.now = now
        self.faults = faults
    }

    /// The page's body: its buckets, `has_more` and `next_page` (nil: `null`). `wrongType` sends
    /// the first count of the first bucket's first result as a string.
    func write(_ page: UsagePage, nextPage: String?, wrongType: Bool) -> [UInt8] {
        var json = JSONWriter(capacity: 1 << 16)
        json.raw("{\"object\":\"page\",\"data\":[")
        let grouping = endpoint.isCosts || page.buckets.isEmpty ? nil : truth.grouping(query)
        for (i, range) in page.buckets.enumerated() {
            if i > 0 { json.raw(",") }
            if let grouping {
                let totals = truth.groupTotals(query, grouping, from: range.0, to: range.1, now: now)
                writeUsageBucket(&json, start: range.0, end: range.1, keys: grouping.keys, totals: totals, wrongType: wrongType && i == 0)
            } else {
                let results = truth.results(query, from: range.0, to: range.1, now: now)
                writeCostBucket(&json, start: range.0, end: range.1, results: results)
            }
        }
        json.raw("],\"has_more\":\(page.hasMore),\"next_page\":")
        json.optionalString(nextPage)
        json.raw("}")
        return json.bytes
    }

    /// A usage bucket, its results written straight from the group keys and totals.
    private func writeUsageBucket(_ json: inout JSONWriter, start: Int64, end: Int64, keys: [[String?]], totals: [[Int64]?],
                                  wrongType: Bool) {
        json.raw("{\"object\":\"bucket\",\"start_time\":\(start),\"end_time\":\(end),")
        json.key(faults.oldSpellings ? "result" : "results")
        json.raw("[")
        var first = true
        for (key, values) in zip(keys, totals) {
            guard let values else { continue }
            if first && faults.duplicateResults {
                // The first group twice, its counts split between the two rows.
                writeUsageResult(&json, key: key, values: values.map { $0 / 2 }, wrongType: wrongType)
                json.raw(",")
                writeUsageResult(&json, key: key, values: values.map { $0 - $0 / 2 }, wrongType: false)
            } else {
                if !first { json.raw(",") }
                writeUsageResult(&json, key: key, values: values, wrongType: wrongType && first)
            }
            first = false
        }
        json.raw("]}")
    }

    /// One usage result: the metrics in catalog order, then the dimensions in `group_by` order.
    /// `wrongType` sends its first count as a string.
    private func writeUsageResult(_ json: inout JSONWriter, key: [String?], values: [Int64], wrongType: Bool) {
        json.raw("{\"object\":")
        json.string(endpoint.resultObject)
        for (m, metric) in endpoint.metrics.enumerated() {
            json.raw(",")
            let name = faults.oldSpellings && metric.name == "num_sessions" ? "sessions" : metric.name
            json.key(name)
            if wrongType && m == 0 { json.string(String(values[m])) } else { json.int(values[m]) }
        }
        for (d, dimension) in endpoint.groupBy.enumerated() {
            json.raw(",")
            json.key(dimension.rawValue)
            if dimension.isBoolean, let value = key[d] { json.raw(value) } else { json.optionalString(key[d]) }
        }
        // Fields results carry though the endpoint is not grouped by them: null, as the reference says.
        for dimension in endpoint.carriedDimensions {
            json.raw(",")
            json.key(dimension.rawValue)
            json.raw("null")
        }
        for (i, name) in (faults.newFields[endpoint.name] ?? []).enumerated() {
            json.raw(",")
            json.key(name)
            json.int(Self.newFieldValue(values, index: i))
        }
        json.raw("}")
    }

    /// The value of the `index`th new field of a result with these metric values: ground truth
    /// for tests of fields a loader learns later.
    static func newFieldValue(_ values: [Int64], index: Int) -> Int64 {
        guard let first = values.first else { return 0 }
        return first / Int64(3 + index)
    }

    /// A costs bucket.
    private func writeCostBucket(_ json: inout JSONWriter, start: Int64, end: Int64, results: [SimulatedResult]) {
        json.raw("{\"object\":\"bucket\",\"start_time\":\(start),\"end_time\":\(end),")
        json.key(faults.oldSpellings ? "result" : "results")
        json.raw("[")
        for (i, result) in results.enumerated() {
            if i > 0 { json.raw(",") }
            json.raw("{\"object\":")
            json.string(endpoint.resultObject)
            json.raw(",\"amount\":{\"value\":")
            if case .decimal(let amount) = result.values["amount"] {
                if faults.amountAsString { json.string(amount) } else { json.raw(amount) }
            } else {
                json.raw("0")
            }
            json.raw(",\"currency\":\"usd\"}")
            for name in ["quantity", "quantity_unit"] {
                json.raw(",")
                json.key(name)
                switch result.values[name] ?? .null {
                case .decimal(let text): json.raw(text)
                case .text(let text): json.string(text)
                case .count(let n): json.int(n)
                case .null: json.raw("null")
                }
            }
            if !faults.omitOrganizationID {
                json.raw(",\"organization_id\":")
                json.string(truth.organization.organizationID)
            }
            for dimension in [UsageAPI.Dimension.projectID, .lineItem, .apiKeyID] {
                json.raw(",")
                json.key(dimension.rawValue)
                json.optionalString(result.dimensions[dimension] ?? nil)
            }
            json.raw("}")
        }
        json.raw("]}")
    }
}
