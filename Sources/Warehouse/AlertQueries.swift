import Postgres

/// What `usage-etl alerts` reads: budgets that are not normal, and recent anomalies. Values are
/// the views' text (exact numerics as PostgreSQL prints them), read by column name.
public enum AlertQueries {
    /// Budgets of `analytics.budget_status_at(at)` (nil: now) whose status is not normal.
    public static func budgets(at: Int64?, on connection: PostgresConnection) throws -> [PostgresRow] {
        try connection.query("""
            SELECT budget_id::text, coalesce(s.name, scope || coalesce(' ' || s.project_id, '')) AS label, s.organization_id, scope,
                   s.project_id, p.name AS project_name, currency, month::text, monthly_amount::text, spend_to_date::text,
                   projected_month_end::text, remaining_daily_allowance::text, used_fraction::text, s.status
            FROM analytics.budget_status_at(coalesce($1::timestamptz, now())) s
            LEFT JOIN analytics.projects p ON p.project_id = s.project_id
            WHERE s.status <> 'normal' ORDER BY budget_id
            """, [at.map { .unixSeconds($0) } ?? .null]).typedRows
    }

    /// Anomalies of `analytics.anomalies` whose period started within `days` days before `at` (nil: now).
    public static func anomalies(days: Int, at: Int64?, on connection: PostgresConnection) throws -> [PostgresRow] {
        try connection.query("""
            SELECT grain, to_char(period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS period_start, organization_id,
                   project_id, model, metric, value::text, round(baseline_median::numeric, 2)::text AS baseline_median,
                   score::text, direction, severity
            FROM analytics.anomalies
            WHERE period_start >= coalesce($2::timestamptz, now()) - make_interval(days => $1)
              AND period_start <= coalesce($2::timestamptz, now())
            ORDER BY period_start, project_id, model, metric
            """, [.int(days), at.map { .unixSeconds($0) } ?? .null]).typedRows
    }
}
