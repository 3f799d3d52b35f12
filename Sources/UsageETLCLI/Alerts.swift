import ArgumentParser
import Foundation
import UsageAPI
import Warehouse

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
        var alerts: [Alert] = []
        for budget in try AlertQueries.budgets(at: at?.seconds, on: connection) {
            let status = budget["status"] ?? "-"
            let severity = status == "warning" ? "warning" : "critical"
            let used = (Double(budget["used_fraction"] ?? "0") ?? 0) * 100
            alerts.append(Alert(
                kind: "budget", severity: severity,
                summary: "budget \(budget["label"] ?? "-") is \(status): \(budget["spend_to_date"] ?? "-") of \(budget["monthly_amount"] ?? "-") \(budget["currency"] ?? "") spent (\(String(format: "%.1f", used))%), projected \(budget["projected_month_end"] ?? "-") by month end",
                fields: ["budget_id": budget["budget_id"], "organization_id": budget["organization_id"],
                         "scope": budget["scope"], "project_id": budget["project_id"],
                         "project_name": budget["project_name"], "month": budget["month"],
                         "status": status, "monthly_amount": budget["monthly_amount"],
                         "spend_to_date": budget["spend_to_date"], "projected_month_end": budget["projected_month_end"],
                         "remaining_daily_allowance": budget["remaining_daily_allowance"], "currency": budget["currency"]]))
        }
        for anomaly in try AlertQueries.anomalies(days: days, at: at?.seconds, on: connection) {
            alerts.append(Alert(
                kind: "anomaly", severity: anomaly["severity"] ?? "warning",
                summary: "\(anomaly["metric"] ?? "-") \(anomaly["direction"] ?? "-") on \(anomaly["grain"] ?? "-") \(anomaly["period_start"] ?? "-") for project \(anomaly["project_id"] ?? "-") model \(anomaly["model"] ?? "-"): \(anomaly["value"] ?? "-") against a median of \(anomaly["baseline_median"] ?? "-") (score \(anomaly["score"] ?? "-"))",
                fields: ["grain": anomaly["grain"], "period_start": anomaly["period_start"],
                         "organization_id": anomaly["organization_id"], "project_id": anomaly["project_id"],
                         "model": anomaly["model"], "metric": anomaly["metric"], "value": anomaly["value"],
                         "baseline_median": anomaly["baseline_median"], "score": anomaly["score"],
                         "direction": anomaly["direction"]]))
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
