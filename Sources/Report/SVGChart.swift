import Foundation

/// Charts drawn as inline SVG: every chart has a title, labelled axes, a legend, and a tooltip
/// (`<title>`) on each mark. Values are drawn from `Double`s; the exact figures are in the page's
/// embedded JSON and tables, never recomputed from the drawing.
struct SVGChart {
    /// One named series of a chart.
    struct Series {
        var name: String
        var values: [Double]
        /// What a tooltip shows for each value (exact text where there is one).
        var labels: [String]
        var color: String
        var dashed = false
    }

    /// A horizontal reference line (a budget).
    struct Rule {
        var name: String
        var value: Double
        var label: String
        var color: String
    }

    enum Kind { case lines, stackedBars }

    var title: String
    var xLabel: String
    var yLabel: String
    /// The category under each x position (days).
    var categories: [String]
    var series: [Series]
    var kind: Kind
    var rules: [Rule] = []
    /// Formats an axis value.
    var format: (Double) -> String

    static let width = 920.0, height = 300.0
    static let left = 78.0, right = 16.0, top = 40.0, bottom = 58.0

    /// The chart as an `<svg>` element with a legend below it.
    func render() -> String {
        let plotWidth = Self.width - Self.left - Self.right, plotHeight = Self.height - Self.top - Self.bottom
        let count = max(categories.count, 1)
        // Values below zero (credits) are drawn below the zero line, stacked downwards.
        var maximum = 0.0, minimum = 0.0
        let finite = (series.flatMap(\.values) + rules.map(\.value)).filter(\.isFinite)
        switch kind {
        case .lines:
            maximum = finite.max() ?? 0
            minimum = min(finite.min() ?? 0, 0)
        case .stackedBars:
            for i in 0..<count {
                let values = series.compactMap { i < $0.values.count && $0.values[i].isFinite ? $0.values[i] : nil }
                maximum = max(maximum, values.filter { $0 > 0 }.reduce(0, +))
                minimum = min(minimum, values.filter { $0 < 0 }.reduce(0, +))
            }
            maximum = max(maximum, rules.map(\.value).filter(\.isFinite).max() ?? 0)
        }
        let ticks = Self.ticks(from: minimum, upTo: maximum)
        let (bottom, top) = (ticks.first ?? 0, ticks.last ?? 1)
        func y(_ value: Double) -> Double {
            guard value.isFinite, top > bottom else { return Self.top + plotHeight }
            return Self.top + plotHeight - plotHeight * (min(max(value, bottom), top) - bottom) / (top - bottom)
        }
        let step = plotWidth / Double(count)
        func x(_ index: Int) -> Double { Self.left + step * (Double(index) + 0.5) }

        var svg = """
            <svg class="chart" viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" role="img" aria-label="\(HTML.escape(title))" xmlns="http://www.w3.org/2000/svg">
            <title>\(HTML.escape(title))</title>
            <text class="chart-title" x="\(Self.left)" y="22">\(HTML.escape(title))</text>

            """
        // Grid and y axis.
        for tick in ticks {
            let ty = y(tick)
            svg += "<line class=\"grid\" x1=\"\(Self.left)\" x2=\"\(Self.width - Self.right)\" y1=\(q(ty)) y2=\(q(ty))/>"
            svg += "<text class=\"tick\" x=\"\(Self.left - 6)\" y=\(q(ty + 4)) text-anchor=\"end\">\(HTML.escape(format(tick)))</text>\n"
        }
        svg += "<line class=\"axis\" x1=\"\(Self.left)\" x2=\"\(Self.left)\" y1=\"\(Self.top)\" y2=\(q(Self.top + plotHeight))/>"
        svg += "<line class=\"axis\" x1=\"\(Self.left)\" x2=\"\(Self.width - Self.right)\" y1=\(q(y(0))) y2=\(q(y(0)))/>\n"
        // x labels: at most about 12 of them.
        let every = max(1, Int((Double(count) / 12).rounded(.up)))
        for (i, category) in categories.enumerated() where i % every == 0 {
            svg += "<text class=\"tick\" x=\(q(x(i))) y=\(q(Self.top + plotHeight + 16)) text-anchor=\"middle\">\(HTML.escape(Self.shortDay(category)))</text>"
        }
        svg += "\n<text class=\"axis-label\" x=\(q(Self.left + plotWidth / 2)) y=\(q(Self.height - 12)) text-anchor=\"middle\">\(HTML.escape(xLabel))</text>"
        svg += "<text class=\"axis-label\" transform=\"translate(16 \(Int(Self.top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTML.escape(yLabel))</text>\n"

        switch kind {
        case .stackedBars:
            var up = [Double](repeating: 0, count: count), down = [Double](repeating: 0, count: count)
            let barWidth = max(step * 0.8, 1)
            for s in series {
                for (i, value) in s.values.enumerated() where i < count && value.isFinite && value != 0 {
                    let from = value > 0 ? up[i] : down[i]
                    let (y0, y1) = (y(from), y(from + value))
                    svg += "<rect x=\(q(x(i) - barWidth / 2)) y=\(q(min(y0, y1))) width=\(q(barWidth)) height=\(q(abs(y0 - y1))) fill=\"\(s.color)\">"
                    svg += "<title>\(HTML.escape("\(categories[i]) · \(s.name): \(i < s.labels.count ? s.labels[i] : format(value))"))</title></rect>"
                    if value > 0 { up[i] += value } else { down[i] += value }
                }
                svg += "\n"
            }
        case .lines:
            for s in series {
                // Values that are not numbers (a projection before its start) are not drawn.
                let drawn = s.values.enumerated().filter { $0.offset < count && $0.element.isFinite }
                guard !drawn.isEmpty else { continue }
                let points = drawn.map { "\(r(x($0.offset))),\(r(y($0.element)))" }
                svg += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "") points=\"\(points.joined(separator: " "))\"/>"
                for (i, value) in drawn {
                    svg += "<circle cx=\(q(x(i))) cy=\(q(y(value))) r=\"\(count > 62 ? 1.5 : 3)\" fill=\"\(s.color)\">"
                    svg += "<title>\(HTML.escape("\(categories[i]) · \(s.name): \(i < s.labels.count ? s.labels[i] : format(value))"))</title></circle>"
                }
                svg += "\n"
            }
        }
        for rule in rules {
            svg += "<line x1=\"\(Self.left)\" x2=\"\(Self.width - Self.right)\" y1=\(q(y(rule.value))) y2=\(q(y(rule.value))) stroke=\"\(rule.color)\" stroke-width=\"2\" stroke-dasharray=\"2 3\">"
            svg += "<title>\(HTML.escape("\(rule.name): \(rule.label)"))</title></line>\n"
        }
        svg += "</svg>\n"
        return svg + legend()
    }

    private func legend() -> String {
        let items = series.map { ($0.name, $0.color, $0.dashed) } + rules.map { ($0.name, $0.color, true) }
        return "<ul class=\"legend\">" + items.map { name, color, dashed in
            "<li><span class=\"swatch\(dashed ? " dashed" : "")\" style=\"background:\(color);border-color:\(color)\"></span>\(HTML.escape(name))</li>"
        }.joined() + "</ul>\n"
    }

    /// Round tick values from at most `minimum` (0 or below) to at least `maximum`.
    static func ticks(from minimum: Double, upTo maximum: Double) -> [Double] {
        guard minimum < 0, minimum.isFinite else { return ticks(upTo: maximum) }
        let span = ticks(upTo: max(maximum, 0) - minimum)
        let step = span.count > 1 ? span[1] : 1
        let below = min(Int((-minimum / step).rounded(.up)), 20), above = min(Int((max(maximum, 0) / step).rounded(.up)), 20)
        return (-below...max(above, 0)).map { Double($0) * step }
    }

    /// Round tick values from 0 to at least `maximum` (five or so steps of 1, 2 or 5 × 10ⁿ).
    static func ticks(upTo maximum: Double) -> [Double] {
        guard maximum > 0, maximum.isFinite else { return [0, 1] }
        let rough = maximum / 5
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let count = min(Int((maximum / step).rounded(.up)), 20) // 5 to 10 steps; the bound keeps Int() in range
        return (0...max(count, 1)).map { Double($0) * step }
    }

    /// `2026-11-05` as `11-05`.
    static func shortDay(_ day: String) -> String { day.count == 10 ? String(day.dropFirst(5)) : day }

    private func r(_ value: Double) -> String { String(format: "%.1f", value) }
    private func q(_ value: Double) -> String { "\"\(r(value))\"" }
}

/// A horizontal bar chart of named values (spend by line item).
struct BarList {
    var title: String
    var xLabel: String
    var items: [(name: String, value: Double, label: String)]
    var color: String
    var format: (Double) -> String

    func render() -> String {
        let rowHeight = 22.0, left = 300.0, width = 920.0, right = 90.0
        let height = 60 + rowHeight * Double(max(items.count, 1)) + 40
        let ticks = SVGChart.ticks(upTo: items.map(\.value).filter(\.isFinite).max() ?? 0)
        let top = ticks.last ?? 1
        func x(_ value: Double) -> Double { left + (width - left - right) * (top > 0 && value.isFinite ? min(max(value, 0), top) / top : 0) }
        var svg = """
            <svg class="chart" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(HTML.escape(title))" xmlns="http://www.w3.org/2000/svg">
            <title>\(HTML.escape(title))</title>
            <text class="chart-title" x="16" y="22">\(HTML.escape(title))</text>

            """
        let plotBottom = 44 + rowHeight * Double(max(items.count, 1))
        for tick in ticks {
            svg += "<line class=\"grid\" x1=\"\(x(tick))\" x2=\"\(x(tick))\" y1=\"40\" y2=\"\(plotBottom)\"/>"
            svg += "<text class=\"tick\" x=\"\(x(tick))\" y=\"\(plotBottom + 14)\" text-anchor=\"middle\">\(HTML.escape(format(tick)))</text>"
        }
        for (i, item) in items.enumerated() {
            let y = 44 + rowHeight * Double(i)
            let name = item.name.count > 44 ? String(item.name.prefix(43)) + "…" : item.name
            svg += "<text class=\"tick\" x=\"\(left - 8)\" y=\"\(y + 15)\" text-anchor=\"end\">\(HTML.escape(name))</text>"
            svg += "<rect x=\"\(left)\" y=\"\(y + 3)\" width=\"\(max(x(item.value) - left, 0.5))\" height=\"\(rowHeight - 6)\" fill=\"\(color)\">"
            svg += "<title>\(HTML.escape("\(item.name): \(item.label)"))</title></rect>"
            svg += "<text class=\"tick\" x=\"\(x(item.value) + 4)\" y=\"\(y + 15)\">\(HTML.escape(item.label))</text>\n"
        }
        svg += "<text class=\"axis-label\" x=\"\(left + (width - left - right) / 2)\" y=\"\(height - 10)\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>"
        svg += "<text class=\"axis-label\" x=\"16\" y=\"\(height - 10)\">line item</text>\n</svg>\n"
        svg += "<ul class=\"legend\"><li><span class=\"swatch\" style=\"background:\(color);border-color:\(color)\"></span>\(HTML.escape(xLabel))</li></ul>\n"
        return svg
    }
}

/// Colours that stay apart for the common colour-vision deficiencies (Okabe and Ito; Tol's wine for
/// their yellow), then grey for the rest.
enum Palette {
    /// Okabe–Ito without its yellow, which is hard to see on white, and with its black last.
    static let colors = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#882255", "#000000"]
    static let other = "#999999"

    static func color(_ index: Int, name: String = "") -> String {
        name == "other projects" || name == "other models" ? other : colors[index % colors.count]
    }
}

/// Text as HTML and SVG carry it.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
