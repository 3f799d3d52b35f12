import Postgres

/// The figures of `usage-etl report`, read from the `analytics` views only (the report runs as the
/// analyst role). Amounts stay exact decimal text; counts are 64-bit integers.
public struct ReportFigures: Codable, Sendable, Equatable {
    /// The range, `[since, until)`, as UTC dates; `asOf` is the moment the month figures are taken at.
    public var since: String
    public var until: String
    public var asOf: String
    public var organization: String?
    /// The currency of every spend figure: the one with the most spend in the range.
    public var currency: String
    /// Spend in the range in the other currencies (not in the charts).
    public var otherCurrencies: [Amount]
    public var headline: Headline
    public var budgets: [Budget]
    public var dailySpendByProject: DailySeries<String>
    public var spendByLineItem: [Amount]
    public var tokensByModel: TokensByModel
    public var requestsByEndpoint: DailySeries<Int64>
    public var topAPIKeys: [TopEntry]
    public var topUsers: [TopEntry]
    public var anomalies: [Anomaly]
    public var reconciliation: [ReconciliationDay]
    public var reconciliationTolerancePct: String?
    public var freshness: [Freshness]
    public var lastRuns: [LastRun]
    public var totals: Totals

    /// A named amount (line item, currency).
    public struct Amount: Codable, Sendable, Equatable {
        public var name: String
        public var amount: String
    }

    public struct Headline: Codable, Sendable, Equatable {
        /// The month of `asOf` (first day), the spend from its start to `asOf`, the spend of the
        /// previous month to the same day, and the month's linear projection.
        public var month: String
        public var monthToDate: String
        public var sameDayLastMonth: String
        public var projectedMonthEnd: String
    }

    public struct Budget: Codable, Sendable, Equatable {
        public var name: String
        public var scope: String
        public var projectID: String?
        public var projectName: String?
        public var monthlyAmount: String
        public var spendToDate: String
        public var projectedMonthEnd: String
        public var status: String
        /// Cumulative spend at the end of each day of the month so far.
        public var cumulative: [DayAmount]
        public var daysInMonth: Int
    }

    public struct DayAmount: Codable, Sendable, Equatable {
        public var day: String
        public var amount: String
    }

    /// Values per day for named series; `days` is every day of the range.
    public struct DailySeries<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
        public var days: [String]
        public var series: [Series]

        public struct Series: Codable, Sendable, Equatable {
            public var name: String
            public var values: [Value]
        }
    }

    public struct TokensByModel: Codable, Sendable, Equatable {
        public var days: [String]
        public var models: [Model]

        public struct Model: Codable, Sendable, Equatable {
            public var model: String
            public var inputTokens: [Int64]
            public var cachedInputTokens: [Int64]
            public var outputTokens: [Int64]
        }
    }

    public struct TopEntry: Codable, Sendable, Equatable {
        public var id: String
        public var name: String?
        public var status: String?
        public var detail: String?
        public var tokens: Int64
        public var requests: Int64
    }

    public struct Anomaly: Codable, Sendable, Equatable {
        public var grain: String
        public var periodStart: String
        public var project: String?
        public var model: String?
        public var metric: String
        public var value: String
        public var baselineMedian: String
        public var direction: String
        public var severity: String
    }

    public struct ReconciliationDay: Codable, Sendable, Equatable {
        public var day: String
        public var localInputTokens: Int64
        public var apiInputTokens: Int64
        public var differencePct: String?
        public var reconciled: Bool
    }

    public struct Freshness: Codable, Sendable, Equatable {
        public var organization: String
        public var endpoint: String
        public var bucketWidth: String
        public var loadedUntil: String?
        public var windowsProvisional: Int
        public var windowsFailed: Int
        public var windowsPending: Int
        public var lastLoadedAt: String?
    }

    public struct LastRun: Codable, Sendable, Equatable {
        public var command: String
        public var outcome: String?
        public var startedAt: String
        public var finishedAt: String?
    }

    /// The sums the page shows, for checking against the views: spend in `currency`, and
    /// completions' tokens and requests at `1d`.
    public struct Totals: Codable, Sendable, Equatable {
        public var spend: String
        public var completionsInputTokens: Int64
        public var completionsOutputTokens: Int64
        public var completionsRequests: Int64
    }
}

/// Reads `ReportFigures` for a range (and optionally one organization) from the analytics views.
public struct ReportQueries {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// How many projects, models and entries the charts and tables show before "other".
    public static let topProjects = 8, topModels = 6, topEntries = 10

    /// The figures of `[since, until)` (Unix seconds, whole UTC days), as of `asOf`.
    public func figures(since: Int64, until: Int64, asOf: Int64, organization: String?) throws -> ReportFigures {
        let range: [PostgresValue] = [.int64(since), .int64(until), organization.map { .text($0) } ?? .null]
        // $1 since, $2 until (Unix seconds), $3 organization or NULL; days as UTC dates.
        let scope = "day >= to_timestamp($1)::date AND day < to_timestamp($2)::date AND ($3::text IS NULL OR organization_id = $3)"
        let currencies = try connection.query("""
            SELECT currency, sum(amount)::text FROM analytics.daily_spend WHERE \(scope) AND currency IS NOT NULL
            GROUP BY 1 ORDER BY sum(amount) DESC, currency
            """, range).typedRows.map { row -> ReportFigures.Amount in
            let (name, amount) = try row.decode(String.self, String.self)
            return ReportFigures.Amount(name: name, amount: amount)
        }
        let currency = currencies.first?.name ?? "usd"
        let spend = range + [.text(currency)]
        // The days of the range up to the day of `asOf`: later days have no data yet.
        let days = try connection.query("""
            SELECT to_char(d, 'YYYY-MM-DD') FROM generate_series(to_timestamp($1)::date,
                least(to_timestamp($2)::date - 1, (to_timestamp($3) AT TIME ZONE 'UTC')::date), interval '1 day') d
            """, [.int64(since), .int64(until), .int64(asOf)]).typedRows.map { try $0.decode(String.self) }

        return ReportFigures(
            since: days.first ?? "", until: try connection.query("SELECT to_char(to_timestamp($1)::date, 'YYYY-MM-DD')", [.int64(until)]).scalar ?? "",
            asOf: try connection.query(#"SELECT to_char(to_timestamp($1) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"#, [.int64(asOf)]).scalar ?? "",
            organization: organization, currency: currency, otherCurrencies: Array(currencies.dropFirst()),
            headline: try headline(asOf: asOf, organization: organization, currency: currency),
            budgets: try budgets(asOf: asOf, organization: organization, currency: currency),
            dailySpendByProject: try dailySpendByProject(days: days, scope: scope, parameters: spend),
            spendByLineItem: try connection.query("""
                SELECT coalesce(line_item, '(none)'), sum(amount)::text FROM analytics.daily_spend WHERE \(scope) AND currency = $4
                GROUP BY 1 ORDER BY sum(amount) DESC, 1
                """, spend).typedRows.map { row in
                let (name, amount) = try row.decode(String.self, String.self)
                return ReportFigures.Amount(name: name, amount: amount)
            },
            tokensByModel: try tokensByModel(days: days, scope: scope, parameters: range),
            requestsByEndpoint: try requestsByEndpoint(days: days, scope: scope, parameters: range),
            topAPIKeys: try top(key: "api_key_id", names: """
                LEFT JOIN analytics.api_keys n ON n.api_key_id = t.id
                """, name: "n.name", status: "n.status", detail: "n.project_name", scope: scope, parameters: range),
            topUsers: try top(key: "user_id", names: """
                LEFT JOIN analytics.users n ON n.user_id = t.id
                """, name: "n.name", status: "n.status", detail: "n.email", scope: scope, parameters: range),
            anomalies: try anomalies(parameters: range),
            reconciliation: try connection.query("""
                SELECT to_char(day, 'YYYY-MM-DD'), sum(local_input_tokens)::bigint, sum(api_input_tokens)::bigint,
                       round(100.0 * (sum(api_input_tokens) - sum(local_input_tokens)) / nullif(sum(api_input_tokens), 0), 2)::text,
                       bool_and(reconciled)
                FROM analytics.local_reconciliation WHERE day >= to_timestamp($1)::date AND day < to_timestamp($2)::date
                GROUP BY day ORDER BY day
                """, [.int64(since), .int64(until)]).typedRows.map { row in
                let (day, local, api, pct, reconciled) = try row.decode(String.self, Int64.self, Int64.self, String?.self, Bool.self)
                return ReportFigures.ReconciliationDay(day: day, localInputTokens: local, apiInputTokens: api, differencePct: pct, reconciled: reconciled)
            },
            reconciliationTolerancePct: try connection.query("SELECT (tolerance * 100)::text FROM analytics.reconciliation_settings LIMIT 1").scalar,
            freshness: try connection.query("""
                SELECT organization_id, endpoint, bucket_width,
                       to_char(loaded_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"'), windows_provisional, windows_failed, windows_pending,
                       to_char(last_loaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"')
                FROM analytics.data_freshness WHERE ($1::text IS NULL OR organization_id = $1) ORDER BY 1, 2, 3
                """, [organization.map { .text($0) } ?? .null]).typedRows.map { row in
                let (org, endpoint, width, until, provisional, failed, pending, last) =
                    try row.decode(String.self, String.self, String.self, String?.self, Int.self, Int.self, Int.self, String?.self)
                return ReportFigures.Freshness(organization: org, endpoint: endpoint, bucketWidth: width, loadedUntil: until,
                                               windowsProvisional: provisional, windowsFailed: failed, windowsPending: pending, lastLoadedAt: last)
            },
            lastRuns: try connection.query("""
                SELECT command, outcome, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"'),
                       to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"')
                FROM analytics.last_runs ORDER BY started_at DESC
                """).typedRows.map { row in
                let (command, outcome, started, finished) = try row.decode(String.self, String?.self, String.self, String?.self)
                return ReportFigures.LastRun(command: command, outcome: outcome, startedAt: started, finishedAt: finished)
            },
            totals: try totals(parameters: spend))
    }

    /// Month to date at `asOf`, the previous month to the same day, and the linear projection.
    private func headline(asOf: Int64, organization: String?, currency: String) throws -> ReportFigures.Headline {
        let row = try connection.query("""
            WITH clock AS (
                SELECT to_timestamp($1) AT TIME ZONE 'UTC' AS moment,
                       date_trunc('month', to_timestamp($1) AT TIME ZONE 'UTC') AS month_start
            ), spend AS (
                SELECT day, amount FROM analytics.daily_spend WHERE currency = $3 AND ($2::text IS NULL OR organization_id = $2)
            )
            SELECT to_char(c.month_start, 'YYYY-MM-DD'),
                   coalesce((SELECT sum(amount) FROM spend WHERE day >= c.month_start::date AND day <= c.moment::date), 0)::text,
                   coalesce((SELECT sum(amount) FROM spend WHERE day >= (c.month_start - interval '1 month')::date
                             AND day <= least(c.moment - interval '1 month', c.month_start - interval '1 day')::date), 0)::text,
                   round(coalesce((SELECT sum(amount) FROM spend WHERE day >= c.month_start::date AND day <= c.moment::date), 0)
                         / greatest(extract(epoch FROM c.moment - c.month_start) / 86400, 1.0 / 24)::numeric
                         * (extract(epoch FROM (c.month_start + interval '1 month') - c.month_start) / 86400)::numeric, 2)::text
            FROM clock c
            """, [.int64(asOf), organization.map { .text($0) } ?? .null, .text(currency)]).single("headline")
        let (month, toDate, lastMonth, projected) = try row.decode(String.self, String.self, String.self, String.self)
        return ReportFigures.Headline(month: month, monthToDate: toDate, sameDayLastMonth: lastMonth, projectedMonthEnd: projected)
    }

    /// Each budget in `currency` at `asOf`, with its month's cumulative spend by day.
    private func budgets(asOf: Int64, organization: String?, currency: String) throws -> [ReportFigures.Budget] {
        let rows = try connection.query("""
            SELECT b.name, b.scope, b.project_id, p.name, b.monthly_amount::text, b.spend_to_date::text, b.projected_month_end::text, b.status,
                   to_char(b.month, 'YYYY-MM-DD'), extract(day FROM (b.month + interval '1 month' - interval '1 day'))::int, b.organization_id
            FROM analytics.budget_status_at(to_timestamp($1)) b
            LEFT JOIN analytics.projects p ON p.project_id = b.project_id
            WHERE b.currency = $3 AND ($2::text IS NULL OR b.organization_id IS NULL OR b.organization_id = $2)
            ORDER BY b.name, b.budget_id
            """, [.int64(asOf), organization.map { .text($0) } ?? .null, .text(currency)]).typedRows
        return try rows.map { row in
            let (name, scope, project, projectName, monthly, toDate, projected, status, month, days, budgetOrganization) =
                try row.decode(String.self, String.self, String?.self, String?.self, String.self, String.self, String.self, String.self,
                               String.self, Int.self, String?.self)
            let cumulative = try connection.query("""
                SELECT to_char(d, 'YYYY-MM-DD'),
                       (SELECT coalesce(sum(amount), 0) FROM analytics.daily_spend s
                        WHERE s.currency = $3 AND s.day >= $1::date AND s.day <= d::date
                          AND ($4::text IS NULL OR s.organization_id = $4) AND ($5::text IS NULL OR s.project_id = $5))::text
                FROM generate_series($1::date, least((to_timestamp($2) AT TIME ZONE 'UTC')::date,
                                                     ($1::date + interval '1 month' - interval '1 day')::date), interval '1 day') d
                """, [.text(month), .int64(asOf), .text(currency), (budgetOrganization ?? organization).map { .text($0) } ?? .null,
                      scope == "project" ? project.map { .text($0) } ?? .null : .null]).typedRows.map { row in
                let (day, amount) = try row.decode(String.self, String.self)
                return ReportFigures.DayAmount(day: day, amount: amount)
            }
            return ReportFigures.Budget(name: name, scope: scope, projectID: project, projectName: projectName, monthlyAmount: monthly,
                                        spendToDate: toDate, projectedMonthEnd: projected, status: status, cumulative: cumulative, daysInMonth: days)
        }
    }

    /// Spend per day of the top projects by spend, the rest as "other".
    private func dailySpendByProject(days: [String], scope: String, parameters: [PostgresValue]) throws -> ReportFigures.DailySeries<String> {
        let rows = try connection.query("""
            WITH spend AS (
                SELECT coalesce(project_name, project_id, '(no project)') AS project, project_id, day, sum(amount) AS amount
                FROM analytics.daily_spend WHERE \(scope) AND currency = $4 GROUP BY 1, 2, 3
            ), ranked AS (
                SELECT project_id, row_number() OVER (ORDER BY sum(amount) DESC, project_id) AS rank
                FROM spend GROUP BY project_id
            )
            SELECT CASE WHEN r.rank <= \(Self.topProjects) THEN s.project ELSE 'other' END,
                   min(r.rank) AS rank, to_char(s.day, 'YYYY-MM-DD'), sum(s.amount)::text
            FROM spend s JOIN ranked r ON r.project_id IS NOT DISTINCT FROM s.project_id
            GROUP BY 1, 3 ORDER BY 2, 3
            """, parameters).typedRows
        return try Self.series(days: days, rows: rows, zero: "0") { try $0.decode(String.self, Int.self, String.self, String.self) }
    }

    /// Input, cached input and output tokens per day of the top models by tokens, the rest as "other".
    private func tokensByModel(days: [String], scope: String, parameters: [PostgresValue]) throws -> ReportFigures.TokensByModel {
        let rows = try connection.query("""
            WITH tokens AS (
                SELECT coalesce(model, '(no model)') AS model, day, sum(input_tokens) AS input, sum(coalesce(input_cached_tokens, 0)) AS cached,
                       sum(output_tokens) AS output
                FROM analytics.daily_tokens WHERE \(scope) GROUP BY 1, 2
            ), ranked AS (
                SELECT model, row_number() OVER (ORDER BY sum(input + output) DESC, model) AS rank FROM tokens GROUP BY model
            )
            SELECT CASE WHEN r.rank <= \(Self.topModels) THEN t.model ELSE 'other' END, min(r.rank), to_char(t.day, 'YYYY-MM-DD'),
                   sum(t.input)::bigint, sum(t.cached)::bigint, sum(t.output)::bigint
            FROM tokens t JOIN ranked r USING (model)
            GROUP BY 1, 3 ORDER BY 2, 3
            """, parameters).typedRows
        var models: [ReportFigures.TokensByModel.Model] = []
        let index = Dictionary(uniqueKeysWithValues: days.enumerated().map { ($1, $0) })
        for row in rows {
            let (model, _, day, input, cached, output) = try row.decode(String.self, Int.self, String.self, Int64.self, Int64.self, Int64.self)
            guard let d = index[day] else { continue }
            if models.last?.model != model {
                let zeros = [Int64](repeating: 0, count: days.count)
                models.append(.init(model: model, inputTokens: zeros, cachedInputTokens: zeros, outputTokens: zeros))
            }
            models[models.count - 1].inputTokens[d] = input
            models[models.count - 1].cachedInputTokens[d] = cached
            models[models.count - 1].outputTokens[d] = output
        }
        return ReportFigures.TokensByModel(days: days, models: models)
    }

    /// Model requests per day and endpoint (completions, decisions, embeddings, moderations).
    private func requestsByEndpoint(days: [String], scope: String, parameters: [PostgresValue]) throws -> ReportFigures.DailySeries<Int64> {
        let rows = try connection.query("""
            SELECT endpoint, dense_rank() OVER (ORDER BY endpoint)::int, to_char(day, 'YYYY-MM-DD'), sum(num_model_requests)::bigint
            FROM analytics.daily_tokens WHERE \(scope) GROUP BY endpoint, day ORDER BY 1, 3
            """, parameters).typedRows
        return try Self.series(days: days, rows: rows, zero: 0) { try $0.decode(String.self, Int.self, String.self, Int64.self) }
    }

    /// Rows of (series, rank, day, value) in series order as one value per day of each series.
    private static func series<Value>(days: [String], rows: [PostgresRow], zero: Value,
                                      decode: (PostgresRow) throws -> (String, Int, String, Value)) throws -> ReportFigures.DailySeries<Value> {
        let index = Dictionary(uniqueKeysWithValues: days.enumerated().map { ($1, $0) })
        var series: [ReportFigures.DailySeries<Value>.Series] = []
        for row in rows {
            let (name, _, day, value) = try decode(row)
            guard let d = index[day] else { continue }
            if series.last?.name != name { series.append(.init(name: name, values: [Value](repeating: zero, count: days.count))) }
            series[series.count - 1].values[d] = value
        }
        return ReportFigures.DailySeries(days: days, series: series)
    }

    /// The top API keys or users (`key` the id column of daily_tokens) by tokens, with their names.
    private func top(key: String, names: String, name: String, status: String, detail: String, scope: String,
                     parameters: [PostgresValue]) throws -> [ReportFigures.TopEntry] {
        try connection.query("""
            WITH t AS (
                SELECT \(key) AS id, sum(input_tokens + output_tokens)::bigint AS tokens, sum(num_model_requests)::bigint AS requests
                FROM analytics.daily_tokens WHERE \(scope) AND \(key) IS NOT NULL GROUP BY 1
                ORDER BY 2 DESC, 1 LIMIT \(Self.topEntries)
            )
            SELECT t.id, \(name), \(status), \(detail), t.tokens, t.requests FROM t \(names) ORDER BY t.tokens DESC, t.id
            """, parameters).typedRows.map { row in
            let (id, name, status, detail, tokens, requests) = try row.decode(String.self, String?.self, String?.self, String?.self, Int64.self, Int64.self)
            return ReportFigures.TopEntry(id: id, name: name, status: status, detail: detail, tokens: tokens, requests: requests)
        }
    }

    private func anomalies(parameters: [PostgresValue]) throws -> [ReportFigures.Anomaly] {
        try connection.query("""
            SELECT grain, to_char(period_start, 'YYYY-MM-DD"T"HH24:MI"Z"'), coalesce(project_name, project_id), model, metric,
                   round(value::numeric, 2)::text, round(baseline_median::numeric, 2)::text, direction, severity
            FROM analytics.anomalies
            WHERE period_start >= to_timestamp($1) AT TIME ZONE 'UTC' AND period_start < to_timestamp($2) AT TIME ZONE 'UTC'
              AND ($3::text IS NULL OR organization_id = $3)
            ORDER BY severity = 'critical' DESC, period_start DESC, metric LIMIT 50
            """, parameters).typedRows.map { row in
            let (grain, start, project, model, metric, value, median, direction, severity) =
                try row.decode(String.self, String.self, String?.self, String?.self, String.self, String.self, String.self, String.self, String.self)
            return ReportFigures.Anomaly(grain: grain, periodStart: start, project: project, model: model, metric: metric, value: value,
                                         baselineMedian: median, direction: direction, severity: severity)
        }
    }

    private func totals(parameters: [PostgresValue]) throws -> ReportFigures.Totals {
        let spend = try connection.query("""
            SELECT coalesce(sum(amount), 0)::text FROM analytics.costs
            WHERE bucket_start >= to_timestamp($1) AND bucket_start < to_timestamp($2) AND ($3::text IS NULL OR organization_id = $3)
              AND currency = $4
            """, parameters).single("spend").decode(String.self)
        let (input, output, requests) = try connection.query("""
            SELECT coalesce(sum(input_tokens), 0)::bigint, coalesce(sum(output_tokens), 0)::bigint, coalesce(sum(num_model_requests), 0)::bigint
            FROM analytics.completions_usage
            WHERE bucket_width = '1d' AND bucket_start >= to_timestamp($1) AND bucket_start < to_timestamp($2)
              AND ($3::text IS NULL OR organization_id = $3)
            """, Array(parameters.prefix(3))).single("completions").decode(Int64.self, Int64.self, Int64.self)
        return ReportFigures.Totals(spend: spend, completionsInputTokens: input, completionsOutputTokens: output, completionsRequests: requests)
    }
}
