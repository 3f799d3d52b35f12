import ArgumentParser
import Foundation
import Postgres
import UsageAPI

/// `usage-etl alerts`: budget and anomaly alerts for a scheduler to page on.
struct Alerts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print budget and anomaly alerts; exit 1 when any is critical.",
        discussion: """
            Budgets from analytics.budget_status that are not normal (critical and over are critical), and \
            anomalies from analytics.anomalies in the last --days days. Exit codes: 0 no critical alert, \
            1 at least one critical alert, 2 usage or configuration error.
            """)

    @Flag(help: "Machine-readable JSON.") var json = false
    @Option(help: "Anomalies whose period started within this many days.") var days: Int = 2
    @Option(help: "Evaluate at this moment (a date or RFC 3339) instead of now, e.g. to see what alerts said then.")
    var at: Moment?

    func validate() throws {
        guard (1...366).contains(days) else { throw ValidationError("--days must be between 1 and 366") }
    }

    /// One alert line.
    struct Alert {
        var kind: String
        var severity: String
        var summary: String
        var fields: [String: String?]
    }

    func run() throws {
        let connection = try DatabaseOptions.connectMigrated()
        let moment: PostgresValue = at.map { .unixSeconds($0.seconds) } ?? .null
        var alerts: [Alert] = []
        let budgets = try connection.query("""
            SELECT budget_id::text, coalesce(s.name, scope || coalesce(' ' || s.project_id, '')) AS label, s.organization_id, scope,
                   s.project_id, p.name AS project_name, currency, month::text, monthly_amount::text, spend_to_date::text,
                   projected_month_end::text, remaining_daily_allowance::text, used_fraction::text, s.status
            FROM analytics.budget_status_at(coalesce($1::timestamptz, now())) s
            LEFT JOIN analytics.projects p ON p.project_id = s.project_id
            WHERE s.status <> 'normal' ORDER BY budget_id
            """, [moment])
        for row in 0..<budgets.count {
            let status = budgets[row, "status"]!
            let severity = status == "warning" ? "warning" : "critical"
            let used = (Double(budgets[row, "used_fraction"] ?? "0") ?? 0) * 100
            alerts.append(Alert(
                kind: "budget", severity: severity,
                summary: "budget \(budgets[row, "label"]!) is \(status): \(budgets[row, "spend_to_date"]!) of \(budgets[row, "monthly_amount"]!) \(budgets[row, "currency"]!) spent (\(String(format: "%.1f", used))%), projected \(budgets[row, "projected_month_end"] ?? "-") by month end",
                fields: ["budget_id": budgets[row, "budget_id"], "organization_id": budgets[row, "organization_id"],
                         "scope": budgets[row, "scope"], "project_id": budgets[row, "project_id"],
                         "project_name": budgets[row, "project_name"], "month": budgets[row, "month"],
                         "status": status, "monthly_amount": budgets[row, "monthly_amount"],
                         "spend_to_date": budgets[row, "spend_to_date"], "projected_month_end": budgets[row, "projected_month_end"],
                         "remaining_daily_allowance": budgets[row, "remaining_daily_allowance"], "currency": budgets[row, "currency"]]))
        }
        let anomalies = try connection.query("""
            SELECT grain, to_char(period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS period_start, organization_id,
                   project_id, model, metric, value::text, round(baseline_median::numeric, 2)::text AS baseline_median,
                   score::text, direction, severity
            FROM analytics.anomalies
            WHERE period_start >= coalesce($2::timestamptz, now()) - make_interval(days => $1)
              AND period_start <= coalesce($2::timestamptz, now())
            ORDER BY period_start, project_id, model, metric
            """, [.int(days), moment])
        for row in 0..<anomalies.count {
            alerts.append(Alert(
                kind: "anomaly", severity: anomalies[row, "severity"]!,
                summary: "\(anomalies[row, "metric"]!) \(anomalies[row, "direction"]!) on \(anomalies[row, "grain"]!) \(anomalies[row, "period_start"]!) for project \(anomalies[row, "project_id"] ?? "-") model \(anomalies[row, "model"] ?? "-"): \(anomalies[row, "value"]!) against a median of \(anomalies[row, "baseline_median"]!) (score \(anomalies[row, "score"] ?? "-"))",
                fields: ["grain": anomalies[row, "grain"], "period_start": anomalies[row, "period_start"],
                         "organization_id": anomalies[row, "organization_id"], "project_id": anomalies[row, "project_id"],
                         "model": anomalies[row, "model"], "metric": anomalies[row, "metric"], "value": anomalies[row, "value"],
                         "baseline_median": anomalies[row, "baseline_median"], "score": anomalies[row, "score"],
                         "direction": anomalies[row, "direction"]]))
        }
        let critical = alerts.filter { $0.severity == "critical" }.count
        if json {
            let items: [[String: Any]] = alerts.map { alert in
                var item: [String: Any] = ["kind": alert.kind, "severity": alert.severity, "summary": alert.summary]
                for (key, value) in alert.fields { item[key] = value ?? NSNull() }
                return item
            }
            let document: [String: Any] = ["alerts": items, "critical": critical, "warning": alerts.count - critical]
            let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
            Console.out(String(decoding: data, as: UTF8.self))
        } else {
            for alert in alerts { Console.out("\(alert.severity.uppercased()) \(alert.kind): \(alert.summary)") }
            Console.out("alerts: \(critical) critical, \(alerts.count - critical) warning")
        }
        if critical > 0 { throw ExitCode(1) }
    }
}
