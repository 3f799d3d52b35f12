import UsageAPI

/// Computes what the API answers for a query, independently of HTTP: the simulator serves it and
/// tests compare a warehouse against it.
public struct GroundTruth: Sendable {
    public let organization: SyntheticOrganization
    public var restatement: Restatement

    public init(organization: SyntheticOrganization, restatement: Restatement = .none) {
        self.organization = organization
        self.restatement = restatement
    }

    /// The bucket ranges a query covers, `now` bounding an open end.
    public func bucketRanges(_ query: UsageQuery, now: Int64) -> [(Int64, Int64)] {
        let end = query.endTime ?? now
        var ranges: [(Int64, Int64)] = []
        if query.endpoint.isCosts {
            var start = floorDiv(query.startTime, 86_400) * 86_400
            while start < end {
                ranges.append((start, start + 86_400))
                start += 86_400
            }
        } else {
            var start = query.startTime
            while start < end {
                ranges.append((start, min(start + query.width.seconds, end)))
                start += query.width.seconds
            }
        }
        return ranges
    }

    /// Every bucket of the query (ignoring `limit`: pagination slices this list).
    public func buckets(_ query: UsageQuery, now: Int64) -> [SimulatedBucket] {
        let grouping = query.endpoint.isCosts ? nil : grouping(query)
        return bucketRanges(query, now: now).map { range in
            let results = if let grouping {
                usageResults(query, grouping, totals: groupTotals(query, grouping, from: range.0, to: range.1, now: now))
            } else {
                results(query, from: range.0, to: range.1, now: now)
            }
            return SimulatedBucket(startTime: range.0, endTime: range.1, results: results)
        }
    }

    /// The results of one bucket [from, to).
    public func results(_ query: UsageQuery, from: Int64, to: Int64, now: Int64) -> [SimulatedResult] {
        // Data exists up to the present only.
        let end = min(to, now)
        guard end > from else { return [] }
        if query.endpoint.isCosts { return costResults(query, from: from, to: end) }
        let grouping = grouping(query)
        return usageResults(query, grouping, totals: groupTotals(query, grouping, from: from, to: end, now: now))
    }

    /// How a usage query's series fall into its result groups, worked out once per query (a page
    /// of 168 buckets shares it) rather than once per bucket.
    public struct Grouping: Sendable {
        /// Each series the filters let through, and the index in `keys` of the group it adds to.
        var members: [(series: SyntheticOrganization.Series, group: Int)]
        /// The groups' dimension values in `endpoint.groupBy` order (nil: not grouped, or null),
        /// in the order the API lists results.
        public var keys: [[String?]]
    }

    /// The grouping of a usage query's series by its `group_by`, after its filters.
    public func grouping(_ query: UsageQuery) -> Grouping {
        let order = query.endpoint.groupBy
        var matching: [(SyntheticOrganization.Series, [String?])] = []
        for series in organization.series[query.endpoint.name] ?? [] where matches(series.dimensions, query) {
            matching.append((series, order.map { query.groupBy.contains($0) ? (series.dimensions[$0] ?? nil) : nil }))
        }
        let keys = Set(matching.map(\.1)).sorted(by: Self.less)
        var index: [[String?]: Int] = [:]
        for (i, key) in keys.enumerated() { index[key] = i }
        return Grouping(members: matching.map { ($0.0, index[$0.1]!) }, keys: keys)
    }

    /// Each group's summed metrics (catalog order) in one bucket [from, to), nil where none of its
    /// series had data: such a group is left out of the bucket's results.
    public func groupTotals(_ query: UsageQuery, _ grouping: Grouping, from: Int64, to: Int64, now: Int64) -> [[Int64]?] {
        var totals = [[Int64]?](repeating: nil, count: grouping.keys.count)
        let end = min(to, now)
        guard end > from else { return totals }
        let m0 = ceilDiv(from, 60), m1 = ceilDiv(end, 60)
        for (series, group) in grouping.members {
            guard let values = organization.values(query.endpoint, series, minutes: m0, m1, restatement: restatement) else { continue }
            if totals[group] == nil {
                totals[group] = values
            } else {
                // Summed in place: no copy of the running totals.
                totals[group]!.withUnsafeMutableBufferPointer { sum in
                    for i in values.indices { sum[i] += values[i] }
                }
            }
        }
        return totals
    }

    /// The result rows of the groups that have totals.
    func usageResults(_ query: UsageQuery, _ grouping: Grouping, totals: [[Int64]?]) -> [SimulatedResult] {
        let order = query.endpoint.groupBy, metrics = query.endpoint.metrics
        return zip(grouping.keys, totals).compactMap { key, values in
            guard let values else { return nil }
            var dims = [Dimension: String?](minimumCapacity: order.count)
            for (i, dimension) in order.enumerated() { dims[dimension] = .some(key[i]) }
            var named = [String: SimulatedValue](minimumCapacity: metrics.count)
            for (i, metric) in metrics.enumerated() { named[metric.name] = .count(values[i]) }
            return SimulatedResult(dimensions: dims, values: named)
        }
    }

    private func matches(_ dims: [Dimension: String?], _ query: UsageQuery) -> Bool {
        for (name, allowed) in query.filters where !allowed.isEmpty {
            guard let dimension = query.endpoint.arrayFilters[name] else { continue }
            guard let value = dims[dimension] ?? nil, allowed.contains(value) else { return false }
        }
        if let batch = query.batch, (dims[.batch] ?? nil) != (batch ? "true" : "false") { return false }
        return true
    }

    static func less(_ a: [String?], _ b: [String?]) -> Bool {
        for (x, y) in zip(a, b) where x != y {
            switch (x, y) {
            case (nil, _): return true
            case (_, nil): return false
            case let (x?, y?): return x < y
            }
        }
        return false
    }

    // MARK: - Costs

    /// One line item at the finest grain: a day, project, API key and line item.
    struct CostLine {
        var projectID: String
        var apiKeyID: String?
        var lineItem: String
        var quantity: Int64
        var amount: ExactDecimal
    }

    /// The day's cost lines, derived from completions, decisions and embeddings tokens at the list prices.
    func costLines(day: Int64, until: Int64) -> [CostLine] {
        var tokens: [String: (project: String, key: String?, item: String, quantity: Int64, price: Double)] = [:]
        for endpoint in [EndpointCatalog.completions, EndpointCatalog.decisions, EndpointCatalog.embeddings] {
            for series in organization.series[endpoint.name] ?? [] {
                guard let model = series.dimensions[.model] ?? nil, let project = series.dimensions[.projectID] ?? nil,
                      let price = SyntheticOrganization.prices[model] else { continue }
                let key = series.dimensions[.apiKeyID] ?? nil
                guard let values = organization.values(endpoint, series, minutes: day * 1440, min(ceilDiv(until, 60), day * 1440 + 1440),
                                                       restatement: restatement) else { continue }
                var items: [(String, Int64, Double)] = []
                if endpoint.name == "completions" || endpoint.name == "decisions" {
                    // Decisions are billed like completions, on the same model line items.
                    let output = endpoint.name == "completions" ? values[4] : values[6]
                    items = [("\(model), input", values[0] - values[1], price.input),
                             ("\(model), cached input", values[1], price.cached),
                             ("\(model), output", output, price.output)]
                } else {
                    items = [("\(model), input", values[0], price.input)]
                }
                for (item, quantity, unitPrice) in items where quantity > 0 {
                    let id = project + "|" + (key ?? "") + "|" + item
                    tokens[id, default: (project, key, item, 0, unitPrice)].quantity += quantity
                }
            }
        }
        return tokens.values.map { entry in
            // The live API reports amounts as binary floating point; serve the shortest text of that double.
            let double = Double(entry.quantity) * (entry.price / 1_000_000)
            return CostLine(projectID: entry.project, apiKeyID: entry.key, lineItem: entry.item,
                            quantity: entry.quantity, amount: ExactDecimal("\(double)") ?? .zero)
        }
    }

    func costResults(_ query: UsageQuery, from: Int64, to: Int64) -> [SimulatedResult] {
        let groupItems = query.groupBy.contains(.lineItem)
        // Live quirk: grouping by line_item alone still fills project_id.
        let groupProjects = query.groupBy.contains(.projectID) || groupItems
        var groups: [[String?]: (quantity: Int64, amount: ExactDecimal)] = [:]
        var day = floorDiv(from, 86_400)
        while day * 86_400 < to {
            for line in costLines(day: day, until: to) {
                if let projects = query.filters["project_ids"], !projects.isEmpty, !projects.contains(line.projectID) { continue }
                if let keys = query.filters["api_key_ids"], !keys.isEmpty {
                    guard let key = line.apiKeyID, keys.contains(key) else { continue }
                }
                let key: [String?] = [groupProjects ? line.projectID : nil, groupItems ? line.lineItem : nil]
                var entry = groups[key] ?? (0, .zero)
                entry.quantity += line.quantity
                entry.amount = entry.amount + line.amount
                groups[key] = entry
            }
            day += 1
        }
        return groups.sorted { Self.less($0.key, $1.key) }.map { key, entry in
            SimulatedResult(
                dimensions: [.projectID: key[0], .lineItem: key[1], .apiKeyID: String?.none],
                values: ["amount": .decimal(entry.amount.text), "currency": .text("usd"),
                         "quantity": groupItems ? .decimal(String(entry.quantity)) : .null,
                         "quantity_unit": groupItems ? .text("tokens") : .null])
        }
    }
}
