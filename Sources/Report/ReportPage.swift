import Foundation
import Warehouse

/// `usage-etl report` as one self-contained HTML file: the figures as inline SVG charts and
/// tables, their exact values embedded as JSON (`<script type="application/json" id="report-data">`),
/// no script, no external reference (a Content-Security-Policy forbids any), A4-friendly print styles.
public struct ReportPage {
    public let figures: ReportFigures
    public let generatedAt: String

    public init(figures: ReportFigures, generatedAt: String) {
        self.figures = figures
        self.generatedAt = generatedAt
    }

    /// The figures as the JSON the page embeds (and `--json` writes).
    public static func json(_ figures: ReportFigures) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(figures), as: UTF8.self)
    }

    public func render() throws -> String {
        let f = figures
        var body = ""
        body += header()
        body += section("1. Spend this month", headline() + budgets())
        body += section("2. Spend by project and line item", dailySpend() + lineItems())
        body += section("3. Tokens and requests", tokens() + requests())
        body += section("4. Top API keys and users", topTable("API keys by tokens", f.topAPIKeys, detail: "project")
                        + topTable("Users by tokens", f.topUsers, detail: "email"))
        body += section("5. Anomalies and reconciliation", anomalies() + reconciliation())
        body += section("6. Data freshness", freshness())
        // Embedded figures: no `<` at all (`</script>` or `<!--` in a name would end or confuse the
        // element); JSON reads `\u003c` as the same character.
        let data = try Self.json(f).replacingOccurrences(of: "<", with: "\\u003c")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>OpenAI usage and spend \(HTML.escape(f.since)) to \(HTML.escape(f.until))</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            \(body)
            <script type="application/json" id="report-data">\(data)</script>
            </body>
            </html>

            """
    }

    // MARK: - Sections

    private func header() -> String {
        let f = figures
        let organization = f.organization.map { " · organization \(HTML.escape($0))" } ?? " · every organization in the warehouse"
        var text = "<header><h1>OpenAI usage and spend</h1><p class=\"meta\">\(HTML.escape(f.since)) to \(HTML.escape(f.until)) (UTC, end exclusive)\(organization)"
        text += " · amounts in \(HTML.escape(f.currency.uppercased())) · as of \(HTML.escape(f.asOf)) · generated \(HTML.escape(generatedAt)) by usage-etl from the warehouse</p>"
        if f.freshness.isEmpty {
            text += "<p class=\"warning\">Nothing is loaded yet for this report: run <code>usage-etl backfill</code> or <code>usage-etl sync</code> first. Every figure below is empty, not zero.</p>"
        } else if !f.costsLoaded {
            text += "<p class=\"warning\">No costs are loaded: every spend figure and budget below is empty, not zero (<code>usage-etl backfill --endpoint costs</code> loads them).</p>"
        }
        if !f.otherCurrencies.isEmpty {
            text += "<p class=\"note\">Also spent in other currencies (not in the charts): "
                + f.otherCurrencies.map { HTML.escape(Money.format($0.amount, currency: $0.name)) }.joined(separator: ", ") + "</p>"
        }
        return text + "</header>\n"
    }

    private func section(_ title: String, _ content: String) -> String {
        "<section><h2>\(HTML.escape(title))</h2>\n\(content)</section>\n"
    }

    private func money(_ text: String) -> String { Money.format(text, currency: figures.currency) }
    private func moneyAxis(_ value: Double) -> String { Money.axis(value, currency: figures.currency) }

    private func headline() -> String {
        let h = figures.headline
        let change: String
        if let now = Decimal(string: h.monthToDate), let before = Decimal(string: h.sameDayLastMonth), before != 0 {
            var ratio = (now - before) / before * 100
            var rounded = Decimal()
            NSDecimalRound(&rounded, &ratio, 1, .plain)
            change = "\(rounded > 0 ? "+" : "")\(rounded)% against the same day last month"
        } else {
            change = "no spend to the same day last month"
        }
        var html = "<div class=\"tiles\">"
        let through = h.throughDay.map { "through \($0) (complete days)" } ?? "no complete day of the month yet"
        html += tile("Month to date (\(h.month.prefix(7)))", money(h.monthToDate), "\(through); \(change)", id: "month-to-date")
        html += tile("Same day last month", money(h.sameDayLastMonth), "the previous month over as many days", id: "same-day-last-month")
        html += tile("Projected month end", money(h.projectedMonthEnd), "linear: spend of the complete days ÷ their number × days in month", id: "projected")
        html += tile("Spend in the range", money(figures.totals.spend), "\(figures.since) to \(figures.until)", id: "range-spend")
        html += "</div>\n"
        // This month and last month, cumulative, day by day.
        return html + monthComparison()
    }

    private func tile(_ label: String, _ value: String, _ note: String, id: String) -> String {
        "<div class=\"tile\" data-figure=\"\(id)\"><div class=\"label\">\(HTML.escape(label))</div><div class=\"value\">\(HTML.escape(value))</div><div class=\"note\">\(HTML.escape(note))</div></div>"
    }

    /// Cumulative spend by day of month: this month's complete days against the whole month before.
    private func monthComparison() -> String {
        let month = String(figures.headline.month.prefix(7))
        let previous = Self.previousMonth(month)
        let this = figures.thisMonth, last = figures.lastMonth
        let length = max(this.count, last.count)
        guard length > 0 else { return "" }
        let categories = (0..<length).map { String(format: "day %02d", $0 + 1) }
        func values(_ days: [ReportFigures.DayAmount]) -> [Double] { days.map { Self.double(Decimal(string: $0.amount) ?? 0) } }
        let chart = SVGChart(title: "Cumulative spend: \(month) (complete days) against \(previous)", xLabel: "day of month",
                             yLabel: "spend (\(figures.currency.uppercased()))", categories: categories, series: [
                                .init(name: month, values: values(this), labels: this.map { money($0.amount) }, color: Palette.color(0)),
                                .init(name: previous, values: values(last), labels: last.map { money($0.amount) }, color: Palette.color(1), dashed: true),
                             ], kind: .lines, format: moneyAxis)
        return "<figure>\(chart.render())</figure>\n"
    }

    private func budgets() -> String {
        guard !figures.budgets.isEmpty else {
            return "<p class=\"empty\">No budgets defined (rows of <code>analytics.budgets</code>).</p>\n"
        }
        var html = "<table><caption>Budgets this month</caption><thead><tr><th>budget</th><th>scope</th><th class=\"num\">budget</th><th class=\"num\">spend to date</th><th class=\"num\">projected</th><th>status</th></tr></thead><tbody>"
        for budget in figures.budgets {
            let money = { Money.format($0, currency: budget.currency) }
            var scope = budget.scope == "project" ? "project \(budget.projectName ?? budget.projectID ?? "")" : budget.scope
            scope += budget.organization.map { " of \($0)" } ?? (budget.scope == "project" ? "" : " (every organization)")
            html += "<tr><td>\(HTML.escape(budget.name))</td><td>\(HTML.escape(scope))</td><td class=\"num\">\(HTML.escape(money(budget.monthlyAmount)))</td>"
            html += "<td class=\"num\">\(HTML.escape(money(budget.spendToDate)))</td><td class=\"num\">\(HTML.escape(money(budget.projectedMonthEnd)))</td>"
            html += "<td><span class=\"status status-\(HTML.escape(budget.status))\">\(HTML.escape(budget.status))</span></td></tr>"
        }
        html += "</tbody></table>\n"
        for budget in figures.budgets {
            let money = { Money.format($0, currency: budget.currency) }
            let moneyAxis = { Money.axis($0, currency: budget.currency) }
            let categories = (1...max(budget.daysInMonth, 1)).map { String(format: "day %02d", $0) }
            let spent = budget.cumulative.map { Self.double(Decimal(string: $0.amount) ?? 0) }
            // The projection: a straight line from the last day's spend to the projected month end
            // (`budget_status_at`'s figure, as the table shows it).
            let last = spent.last ?? 0
            let end = Self.double(Decimal(string: budget.projectedMonthEnd) ?? 0)
            var projection: [Double] = []
            if !spent.isEmpty && budget.daysInMonth >= spent.count {
                let span = Double(max(budget.daysInMonth - spent.count, 1))
                projection = (spent.count...budget.daysInMonth).map { last + (end - last) * Double($0 - spent.count) / span }
            }
            let offset = max(spent.count - 1, 0)
            let chart = SVGChart(
                title: "Burn-down: \(budget.name) (\(budget.status))", xLabel: "day of month", yLabel: "spend (\(budget.currency.uppercased()))",
                categories: categories, series: [
                    .init(name: "spend to date", values: spent, labels: budget.cumulative.map { money($0.amount) }, color: Palette.color(0)),
                    .init(name: "projection to month end", values: [Double](repeating: .nan, count: offset) + projection,
                          labels: [String](repeating: "", count: offset) + projection.map { money(String(format: "%.2f", $0)) }, color: Palette.color(5), dashed: true),
                ], kind: .lines,
                rules: [.init(name: "budget", value: Self.double(Decimal(string: budget.monthlyAmount) ?? 0), label: money(budget.monthlyAmount), color: "#000000")],
                format: moneyAxis)
            html += "<figure>\(chart.render())</figure>\n"
        }
        return html
    }

    private func dailySpend() -> String {
        let daily = figures.dailySpendByProject
        guard !daily.series.isEmpty else { return "<p class=\"empty\">No spend in the range.</p>\n" }
        let chart = SVGChart(title: "Daily spend by project (top \(ReportQueries.topProjects), the rest as other)", xLabel: "day (UTC)",
                             yLabel: "spend (\(figures.currency.uppercased()))", categories: daily.days,
                             series: daily.series.enumerated().map { i, s in
                                 .init(name: s.name, values: s.values.map { Self.double(Decimal(string: $0) ?? 0) }, labels: s.values.map(money),
                                       color: Palette.color(i, name: s.name))
                             }, kind: .stackedBars, format: moneyAxis)
        return "<figure>\(chart.render())</figure>\n"
    }

    private func lineItems() -> String {
        let items = figures.spendByLineItem
        guard !items.isEmpty else { return "" }
        let shown = Array(items.prefix(15))
        var list = shown.map { (name: $0.name, value: Self.double(Decimal(string: $0.amount) ?? 0), label: money($0.amount)) }
        if items.count > shown.count {
            let rest = items.dropFirst(shown.count).reduce(Decimal(0)) { $0 + (Decimal(string: $1.amount) ?? 0) }
            list.append((name: "other (\(items.count - shown.count) line items)", value: Self.double(rest), label: money("\(rest)")))
        }
        let chart = BarList(title: "Spend by line item, the range", xLabel: "spend (\(figures.currency.uppercased()))", items: list,
                            color: Palette.color(0), format: moneyAxis)
        return "<figure>\(chart.render())</figure>\n"
    }

    private func tokens() -> String {
        let t = figures.tokensByModel
        guard !t.models.isEmpty else { return "<p class=\"empty\">No token usage in the range.</p>\n" }
        var html = ""
        for (title, pick) in [("Input tokens by model", \ReportFigures.TokensByModel.Model.inputTokens),
                              ("Cached input tokens by model", \ReportFigures.TokensByModel.Model.cachedInputTokens),
                              ("Output tokens by model", \ReportFigures.TokensByModel.Model.outputTokens)] {
            let chart = SVGChart(title: "\(title) (top \(ReportQueries.topModels), completions, decisions, embeddings, moderations)",
                                 xLabel: "day (UTC)", yLabel: "tokens", categories: t.days,
                                 series: t.models.enumerated().map { i, m in
                                     .init(name: m.model, values: m[keyPath: pick].map(Double.init), labels: m[keyPath: pick].map(Count.format),
                                           color: Palette.color(i, name: m.model))
                                 }, kind: .stackedBars, format: Count.axis)
            html += "<figure>\(chart.render())</figure>\n"
        }
        return html
    }

    private func requests() -> String {
        let r = figures.requestsByEndpoint
        guard !r.series.isEmpty else { return "" }
        let chart = SVGChart(title: "Model requests by endpoint", xLabel: "day (UTC)", yLabel: "requests", categories: r.days,
                             series: r.series.enumerated().map { i, s in
                                 .init(name: s.name, values: s.values.map(Double.init), labels: s.values.map(Count.format), color: Palette.color(i))
                             }, kind: .lines, format: Count.axis)
        return "<figure>\(chart.render())</figure>\n"
    }

    private func topTable(_ caption: String, _ entries: [ReportFigures.TopEntry], detail: String) -> String {
        guard !entries.isEmpty else { return "<p class=\"empty\">\(HTML.escape(caption)): none in the range.</p>\n" }
        var html = "<table><caption>\(HTML.escape(caption))</caption><thead><tr><th>name</th><th>id</th><th>status</th><th>\(HTML.escape(detail))</th><th class=\"num\">tokens</th><th class=\"num\">requests</th><th class=\"num\">allocated cost</th></tr></thead><tbody>"
        for entry in entries {
            html += "<tr><td>\(HTML.escape(entry.name ?? "(unnamed)"))</td><td><code>\(HTML.escape(entry.id))</code></td><td>\(HTML.escape(entry.status ?? "unlisted"))</td>"
            html += "<td>\(HTML.escape(entry.detail ?? ""))</td><td class=\"num\">\(Count.format(entry.tokens))</td><td class=\"num\">\(Count.format(entry.requests))</td><td class=\"num\">\(HTML.escape(money(entry.allocatedCost)))</td></tr>"
        }
        return html + "</tbody></table>\n"
    }

    private func anomalies() -> String {
        guard !figures.anomalies.isEmpty else { return "<p class=\"empty\">No anomalies in the range (<code>analytics.anomalies</code>).</p>\n" }
        let shown = figures.anomalies.count < figures.anomaliesTotal ? "the first \(figures.anomalies.count) of \(figures.anomaliesTotal), critical first" : "\(figures.anomaliesTotal), critical first"
        var html = "<table><caption>Anomalies of the range's complete days and hours (\(HTML.escape(shown)))</caption><thead><tr><th>when</th><th>grain</th><th>project</th><th>model</th><th>metric</th><th class=\"num\">value</th><th class=\"num\">baseline</th><th>direction</th><th>severity</th></tr></thead><tbody>"
        for a in figures.anomalies {
            html += "<tr><td>\(HTML.escape(a.periodStart))</td><td>\(HTML.escape(a.grain))</td><td>\(HTML.escape(a.project ?? ""))</td><td>\(HTML.escape(a.model ?? ""))</td>"
            html += "<td>\(HTML.escape(a.metric))</td><td class=\"num\">\(HTML.escape(a.value))</td><td class=\"num\">\(HTML.escape(a.baselineMedian))</td>"
            html += "<td>\(HTML.escape(a.direction))</td><td><span class=\"status status-\(a.severity == "critical" ? "critical" : "warning")\">\(HTML.escape(a.severity))</span></td></tr>"
        }
        return html + "</tbody></table>\n"
    }

    private func reconciliation() -> String {
        let rows = figures.reconciliation
        guard !rows.isEmpty else { return "<p class=\"empty\">No local logs imported for the range (<code>usage-etl import-local</code>).</p>\n" }
        let tolerance = Double(figures.reconciliationTolerancePct ?? "5") ?? 5
        // The chart: per day, the models the logs name (the API's other models are left out).
        var byDay: [(day: String, local: Int64, api: Int64)] = []
        for row in rows {
            if byDay.last?.day == row.day {
                byDay[byDay.count - 1].local += row.localInputTokens
                byDay[byDay.count - 1].api += row.apiInputTokens
            } else {
                byDay.append((row.day, row.localInputTokens, row.apiInputTokens))
            }
        }
        let chart = SVGChart(title: "Reconciliation: input tokens of the logged models, local logs against the API", xLabel: "day (UTC)",
                             yLabel: "input tokens", categories: byDay.map(\.day), series: [
                                .init(name: "API", values: byDay.map { Double($0.api) }, labels: byDay.map { Count.format($0.api) }, color: Palette.color(0)),
                                .init(name: "local logs", values: byDay.map { Double($0.local) }, labels: byDay.map { Count.format($0.local) }, color: Palette.color(1)),
                                .init(name: "API − \(Self.trim(tolerance))% (tolerance)", values: byDay.map { Double($0.api) * (1 - tolerance / 100) },
                                      labels: [], color: Palette.other, dashed: true),
                                .init(name: "API + \(Self.trim(tolerance))% (tolerance)", values: byDay.map { Double($0.api) * (1 + tolerance / 100) },
                                      labels: [], color: Palette.other, dashed: true),
                             ], kind: .lines, format: Count.axis)
        var html = "<figure>\(chart.render())</figure>\n"
        html += "<p class=\"note\">Local logs name no organization: they are compared with every organization's usage of their models.</p>"
        html += "<table><caption>Reconciliation by day and model (tolerance \(Self.trim(tolerance))%)</caption><thead><tr><th>day</th><th>model</th><th class=\"num\">local input tokens</th><th class=\"num\">API input tokens</th><th class=\"num\">input difference</th><th>within tolerance (tokens, requests, cost)</th></tr></thead><tbody>"
        for row in rows {
            html += "<tr><td>\(row.day)</td><td>\(HTML.escape(row.model))</td><td class=\"num\">\(Count.format(row.localInputTokens))</td><td class=\"num\">\(Count.format(row.apiInputTokens))</td>"
            html += "<td class=\"num\">\(HTML.escape(row.differencePct.map { "\($0)%" } ?? "–"))</td><td>\(row.reconciled ? "yes" : "<span class=\"status status-critical\">no</span>")</td></tr>"
        }
        return html + "</tbody></table>\n"
    }

    private func freshness() -> String {
        var html = ""
        if figures.freshness.isEmpty {
            html += "<p class=\"empty\">Nothing loaded yet.</p>\n"
        } else {
            html += "<table><caption>Per endpoint: the end of the loaded data</caption><thead><tr><th>organization</th><th>endpoint</th><th>width</th><th>loaded until</th><th class=\"num\">provisional</th><th class=\"num\">failed</th><th class=\"num\">pending</th><th>last load</th></tr></thead><tbody>"
            for f in figures.freshness {
                html += "<tr><td><code>\(HTML.escape(f.organization))</code></td><td>\(HTML.escape(f.endpoint))</td><td>\(HTML.escape(f.bucketWidth))</td>"
                html += "<td>\(HTML.escape(f.loadedUntil ?? "–"))</td><td class=\"num\">\(f.windowsProvisional)</td>"
                html += "<td class=\"num\">\(f.windowsFailed > 0 ? "<span class=\"status status-critical\">\(f.windowsFailed)</span>" : "0")</td>"
                html += "<td class=\"num\">\(f.windowsPending)</td><td>\(HTML.escape(f.lastLoadedAt ?? "–"))</td></tr>"
            }
            html += "</tbody></table>\n"
        }
        if !figures.lastRuns.isEmpty {
            html += "<table><caption>Last run of each command (the whole warehouse)</caption><thead><tr><th>command</th><th>outcome</th><th>started</th><th>finished</th></tr></thead><tbody>"
            for run in figures.lastRuns {
                html += "<tr><td>\(HTML.escape(run.command))</td><td>\(HTML.escape(run.outcome ?? "running"))</td><td>\(HTML.escape(run.startedAt))</td><td>\(HTML.escape(run.finishedAt ?? "–"))</td></tr>"
            }
            html += "</tbody></table>\n"
        }
        return html
    }

    // MARK: - Helpers

    static func double(_ value: Decimal) -> Double { NSDecimalNumber(decimal: value).doubleValue }

    static func trim(_ value: Double) -> String {
        abs(value) < 1e15 && value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// `2026-11` → `2026-10`.
    static func previousMonth(_ month: String) -> String {
        let parts = month.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 2 else { return month }
        let (year, number) = parts[1] == 1 ? (parts[0] - 1, 12) : (parts[0], parts[1] - 1)
        return String(format: "%04d-%02d", year, number)
    }

    static let style = """
        :root { color-scheme: light; }
        body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1a1a1a; margin: 0 auto; max-width: 980px; padding: 16px 24px; font-size: 14px; }
        h1 { font-size: 24px; margin: 8px 0 4px; } h2 { font-size: 18px; border-bottom: 2px solid #0072B2; padding-bottom: 4px; margin-top: 28px; }
        .meta, .note, .empty { color: #555; } .empty { font-style: italic; }
        .warning { border-left: 4px solid #D55E00; background: #fbe9df; padding: 6px 10px; }
        .tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; margin: 12px 0; }
        .tile { border: 1px solid #ccc; border-radius: 6px; padding: 8px 10px; } .tile .label { font-size: 12px; color: #555; }
        .tile .value { font-size: 20px; font-weight: bold; margin: 4px 0; } .tile .note { font-size: 11px; }
        figure { margin: 12px 0 18px; break-inside: avoid; } svg.chart { width: 100%; height: auto; display: block; }
        svg .chart-title { font-size: 15px; font-weight: bold; fill: #1a1a1a; } svg .tick { font-size: 11px; fill: #333; }
        svg .axis-label { font-size: 12px; fill: #1a1a1a; } svg .grid { stroke: #e3e3e3; stroke-width: 1; } svg .axis { stroke: #555; stroke-width: 1; }
        ul.legend { list-style: none; padding: 0; margin: 4px 0 0 78px; display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 12px; }
        .swatch { display: inline-block; width: 14px; height: 10px; margin-right: 6px; border: 1px solid; vertical-align: middle; }
        .swatch.dashed { height: 0; border-width: 2px 0 0 0; border-style: dashed; background: none !important; width: 18px; }
        table { border-collapse: collapse; width: 100%; margin: 10px 0 18px; font-size: 12px; break-inside: avoid; }
        caption { text-align: left; font-weight: bold; margin-bottom: 4px; } th, td { border-bottom: 1px solid #ddd; padding: 4px 6px; text-align: left; }
        th { background: #f2f2f2; } .num { text-align: right; font-variant-numeric: tabular-nums; } code { font-size: 11px; }
        .status { padding: 1px 6px; border-radius: 3px; font-weight: bold; }
        .status-normal { background: #d9efe6; } .status-warning { background: #fbe3b8; } .status-critical { background: #f6c8b0; } .status-over { background: #1a1a1a; color: #fff; }
        @page { size: A4; margin: 14mm 12mm; }
        @media print { body { max-width: none; padding: 0; font-size: 11px; } svg .tick { font-size: 14px; } svg .axis-label { font-size: 15px; } h2 { break-after: avoid; } section { break-inside: auto; } .tiles { grid-template-columns: repeat(2, 1fr); } }
        """
}

/// Amounts as people read them: rounded to the cent from the exact text, with their currency.
enum Money {
    static func format(_ text: String, currency: String) -> String {
        guard var value = Decimal(string: text) else { return "\(text) \(currency.uppercased())" }
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 2, .plain)
        let negative = rounded < 0
        let digits = "\((negative ? -rounded : rounded))"
        let parts = digits.split(separator: ".", maxSplits: 1).map(String.init)
        let whole = Count.group(parts.first ?? "0")
        let cents = ((parts.count > 1 ? parts[1] : "") + "00").prefix(2)
        let number = "\(negative ? "-" : "")\(whole).\(cents)"
        return currency.lowercased() == "usd" ? (negative ? "-$" + number.dropFirst() : "$" + number) : "\(number) \(currency.uppercased())"
    }

    static func axis(_ value: Double, currency: String) -> String {
        let symbol = currency.lowercased() == "usd" ? "$" : ""
        let suffix = currency.lowercased() == "usd" ? "" : " " + currency.uppercased()
        return symbol + Count.axis(value) + suffix
    }
}

/// Counts as people read them (the report, and the command line's tables and status lines).
public enum Count {
    /// `1234567` → `1,234,567`.
    public static func format(_ value: Int64) -> String { (value < 0 ? "-" : "") + group(String(value.magnitude)) }

    /// `1234567` → `1,234,567`.
    static func group(_ digits: String) -> String {
        var out = ""
        for (i, character) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return String(out.reversed())
    }

    /// Short axis labels: 950, 1.2k, 3.4M, 5B.
    static func axis(_ value: Double) -> String {
        let magnitude = abs(value)
        guard value.isFinite, magnitude < 1e15 else { return String(format: "%.3g", value) }
        for (limit, suffix) in [(1e9, "B"), (1e6, "M"), (1e3, "k")] where magnitude >= limit {
            let scaled = value / limit
            return (scaled == scaled.rounded() ? String(Int(scaled)) : String(format: "%.1f", scaled)) + suffix
        }
        return value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
    }
}
