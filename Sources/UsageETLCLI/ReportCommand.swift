import ArgumentParser
import Foundation
import Postgres
import Report
import UsageAPI
import Warehouse

/// `usage-etl report`: one self-contained HTML file of spend, tokens, budgets, anomalies,
/// reconciliation and freshness, drawn from the `analytics` views (it runs as the analyst role).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML report (charts as inline SVG) from the warehouse's analytics views.",
        discussion: """
            Reads only the analytics schema, so a role that can read nothing else (usage_etl_analyst) can run it. \
            The default range is the current and the previous calendar month (UTC); month figures are taken as of \
            now, or the end of the range when it is earlier. --json writes the same figures as JSON instead.
            """)

    @Option(help: "Start of the range: a date (2026-01-01, UTC) or an RFC 3339 timestamp (default: the previous month's first day).")
    var since: Moment?
    @Option(help: "End of the range, exclusive (default: the next month's first day).") var until: Moment?
    @Option(help: "Only this organization id (default: every organization in the warehouse).") var organization: String?
    @Option(help: "Where to write (default usage-report.html; with --json, standard output).") var out: String?
    @Flag(help: "Write the figures as JSON instead of the HTML page.") var json = false

    func validate() throws {
        if let since, let until, until.seconds <= since.seconds {
            throw ValidationError("--until (\(until.text)) must be after --since (\(since.text))")
        }
        if let organization, organization.isEmpty || organization.contains(where: { $0.isNewline || $0 == "\0" }) {
            throw ValidationError("--organization must be one non-empty line")
        }
    }

    func run() throws {
        let now = Int64(Date().timeIntervalSince1970)
        let (defaultSince, defaultUntil) = Self.previousAndCurrentMonth(now)
        // Whole UTC days: the report counts days.
        let start = floorDiv(since?.seconds ?? defaultSince, 86_400) * 86_400
        let end = ceilDiv(until?.seconds ?? defaultUntil, 86_400) * 86_400
        guard end > start else { throw CommandFailure.usage("report: the range \(UTCTime.format(start))..\(UTCTime.format(end)) is empty") }
        guard end - start <= 400 * 86_400 else {
            throw CommandFailure.usage("report: a range of at most 400 days (the warehouse holds what the API served: one year back)")
        }
        guard start <= now else { throw CommandFailure.usage("report: the range starts \(UTCTime.format(start)), after now: there is nothing to report yet") }
        if let since, since.seconds != start { Logging.logger.notice("report: --since \(since.text) is taken from the start of its UTC day") }
        if let until, until.seconds != end { Logging.logger.notice("report: --until \(until.text) is taken to the end of its UTC day") }
        let connection = try DatabaseOptions.connect()
        let figures: ReportFigures
        do {
            figures = try ReportQueries(connection: connection).figures(since: start, until: end, asOf: min(now, end - 1), organization: organization)
        } catch let refused as ReportQueries.Refused {
            throw CommandFailure.usage("report: \(refused.description)")
        } catch let error as PostgresError where error.isOne(of: .undefinedTable, .undefinedFunction, .insufficientPrivilege) {
            throw CommandFailure.failed("report: cannot read the analytics views (\(error.message)); the warehouse owner runs `usage-etl migrate` to this release, and the role needs usage_etl_analyst")
        }
        if json {
            let text = try ReportPage.json(figures)
            if let out { try write(text, to: out) } else { Console.out(text) }
            return
        }
        let page = try ReportPage(figures: figures, generatedAt: UTCTime.format(now)).render()
        let path = out ?? "usage-report.html"
        try write(page, to: path)
        let charts = page.components(separatedBy: "<svg class=\"chart\"").count - 1
        Console.out("report: wrote \(path) (\(charts) charts, \(figures.since) to \(figures.until), \(page.utf8.count) bytes)")
    }

    private func write(_ text: String, to path: String) throws {
        do { try OutputFile.write(text, to: path) } catch { throw CommandFailure.failed("report: cannot write \(path): \(error)") }
    }

    /// The first day of the previous month and of the next month, UTC, around `now`.
    static func previousAndCurrentMonth(_ now: Int64) -> (Int64, Int64) {
        let (year, month, _) = UTCTime.civilFromDays(floorDiv(now, 86_400))
        let previous = month == 1 ? (year - 1, Int64(12)) : (year, month - 1)
        let next = month == 12 ? (year + 1, Int64(1)) : (year, month + 1)
        return (UTCTime.daysFromCivil(previous.0, previous.1, 1) * 86_400, UTCTime.daysFromCivil(next.0, next.1, 1) * 86_400)
    }
}
