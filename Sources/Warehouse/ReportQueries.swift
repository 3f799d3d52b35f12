import Postgres
import UsageAPI

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
    /// Cumulative spend by day of month: the month of `asOf` to its last complete day, and the
    /// whole month before (whatever the range).
    public var thisMonth: [DayAmount]
    public var lastMonth: [DayAmount]
    public var budgets: [Budget]
    public var dailySpendByProject: DailySeries<String>
    public var spendByLineItem: [Amount]
    public var tokensByModel: TokensByModel
    public var requestsByEndpoint: DailySeries<Int64>
    public var topAPIKeys: [TopEntry]
    public var topUsers: [TopEntry]
    public var anomalies: [Anomaly]
    /// All anomalies of the range's complete days and hours (`anomalies` shows the first 50).
    public var anomaliesTotal: Int
    public var reconciliation: [ReconciliationDay]
    public var reconciliationTolerancePct: String?
    public var freshness: [Freshness]
    /// Whether any costs are loaded (for the organization): without them every spend figure is empty.
    public var costsLoaded: Bool
    public var lastRuns: [LastRun]
    public var totals: Totals

    /// A named amount (line item, currency).
    public struct Amount: Codable, Sendable, Equatable {
        public var name: String
        public var amount: String
    }

    public struct Headline: Codable, Sendable, Equatable {
        /// The month of `asOf` (first day); the spend of its complete days (`throughDay`, the last
        /// of them; none on the first day of a month); the spend of the previous month to the same
        /// day of month; and the month's linear projection from the complete days.
        public var month: String
        public var throughDay: String?
        public var monthToDate: String
        public var sameDayLastMonth: String
        public var projectedMonthEnd: String
    }

    public struct Budget: Codable, Sendable, Equatable {
        public var name: String
        public var scope: String
        public var currency: String
        public var organization: String?
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
        /// Cost allocated to it in the range (`analytics.cost_allocation`), in the report's currency.
        public var allocatedCost: String
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
        public var model: String
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

    /// A report that cannot be made as asked.
    public struct Refused: Error, CustomStringConvertible {
        public var description: String
    }

    /// The figures of `[since, until)` (Unix seconds, whole UTC days), as of `asOf`.
    public func figures(since: Int64, until: Int64, asOf: Int64, organization: String?) throws -> ReportFigures {
        // Days are UTC days whatever the role's or the server's time zone.
        try connection.execute(script: "SET TIME ZONE 'UTC'")
        if let organization {
            let known = try connection.query("""
                SELECT EXISTS (SELECT 1 FROM analytics.data_freshness WHERE organization_id = $1)
                """, [.text(organization)]).single("organization").decode(Bool.self)
            guard known else { throw Refused(description: "no organization \(organization) in the warehouse (analytics.data_freshness lists them)") }
        }
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
        let (thisMonth, lastMonth) = try months(asOf: asOf, organization: organization, currency: currency)
        let (anomalies, anomaliesTotal) = try anomalies(parameters: range + [.int64(asOf)])

        return ReportFigures(
            since: Self.date(since), until: Self.date(until), asOf: UTCTime.format(asOf),
            organization: organization, currency: currency, otherCurrencies: Array(currencies.dropFirst()),
            headline: try headline(asOf: asOf, organization: organization, currency: currency),
            thisMonth: thisMonth, lastMonth: lastMonth,
            budgets: try budgets(asOf: asOf, organization: organization),
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
            topAPIKeys: try top(key: "api_key_id", currency: currency, names: """
                LEFT JOIN analytics.api_keys n ON n.api_key_id = t.id
                """, name: "n.name", status: "n.status", detail: "n.project_name", scope: scope, parameters: range),
            topUsers: try top(key: "user_id", currency: currency, names: """
                LEFT JOIN analytics.users n ON n.user_id = t.id
                """, name: "n.name", status: "n.status", detail: "n.email", scope: scope, parameters: range),
            anomalies: anomalies, anomaliesTotal: anomaliesTotal,
            // Per day and model, for the models the local logs name (the logs carry no organization).
            reconciliation: try connection.query("""
                SELECT to_char(day, 'YYYY-MM-DD'), model, local_input_tokens::bigint, api_input_tokens::bigint,
                       input_token_difference_pct::text, reconciled
                FROM analytics.local_reconciliation
                WHERE day >= to_timestamp($1)::date AND day < to_timestamp($2)::date AND local_requests > 0
                ORDER BY day, model
                """, [.int64(since), .int64(until)]).typedRows.map { row in
                let (day, model, local, api, pct, reconciled) = try row.decode(String.self, String.self, Int64.self, Int64.self, String?.self, Bool.self)
                return ReportFigures.ReconciliationDay(day: day, model: model, localInputTokens: local, apiInputTokens: api,
                                                       differencePct: pct, reconciled: reconciled)
            },
            reconciliationTolerancePct: try connection.query("SELECT (tolerance * 100)::text FROM analytics.reconciliation_settings LIMIT 1").scalar,
            freshness: try connection.query("""
                SELECT organization_id, endpoint, bucket_width,
                       to_char(least(loaded_until, now()), 'YYYY-MM-DD"T"HH24:MI"Z"'), windows_provisional, windows_failed, windows_pending,
                       to_char(last_loaded_at, 'YYYY-MM-DD"T"HH24:MI"Z"')
                FROM analytics.data_freshness WHERE ($1::text IS NULL OR organization_id = $1) ORDER BY 1, 2, 3
                """, [organization.map { .text($0) } ?? .null]).typedRows.map { row in
                let (org, endpoint, width, until, provisional, failed, pending, last) =
                    try row.decode(String.self, String.self, String.self, String?.self, Int.self, Int.self, Int.self, String?.self)
                return ReportFigures.Freshness(organization: org, endpoint: endpoint, bucketWidth: width, loadedUntil: until,
                                               windowsProvisional: provisional, windowsFailed: failed, windowsPending: pending, lastLoadedAt: last)
            },
            costsLoaded: try connection.query("""
                SELECT EXISTS (SELECT 1 FROM analytics.data_freshness WHERE endpoint = 'costs' AND loaded_until IS NOT NULL
                               AND ($1::text IS NULL OR organization_id = $1))
                """, [organization.map { .text($0) } ?? .null]).single("costs").decode(Bool.self),
            lastRuns: try connection.query("""
                SELECT command, outcome, to_char(started_at, 'YYYY-MM-DD"T"HH24:MI"Z"'), to_char(finished_at, 'YYYY-MM-DD"T"HH24:MI"Z"')
                FROM analytics.last_runs ORDER BY started_at DESC
                """).typedRows.map { row in
                let (command, outcome, started, finished) = try row.decode(String.self, String?.self, String.self, String?.self)
                return ReportFigures.LastRun(command: command, outcome: outcome, startedAt: started, finishedAt: finished)
            },
            totals: try totals(parameters: spend))
    }

    /// The UTC date of `seconds`, `YYYY-MM-DD`.
    private static func date(_ seconds: Int64) -> String { String(UTCTime.format(seconds).prefix(10)) }

    /// The complete days before `asOf`: through the day before it, unless `asOf` is a day's last
    /// second (the end of a range), which completes that day.
    private static let completeUntil = "date_trunc('day', to_timestamp($1) + interval '1 second')::date"

    /// Month to date at `asOf` over complete days, the previous month to the same day, and the
    /// linear projection.
    private func headline(asOf: Int64, organization: String?, currency: String) throws -> ReportFigures.Headline {
        let row = try connection.query("""
            WITH clock AS (
                SELECT \(Self.completeUntil) AS complete_until,
                       date_trunc('month', to_timestamp($1))::date AS month_start
            ), c AS (
                SELECT complete_until, month_start, (month_start + interval '1 month')::date AS month_end,
                       (complete_until - month_start) AS days_done, (month_start - interval '1 month')::date AS last_start
                FROM clock
            ), spend AS (
                SELECT day, amount FROM analytics.daily_spend WHERE currency = $3 AND ($2::text IS NULL OR organization_id = $2)
            )
            SELECT to_char(c.month_start, 'YYYY-MM-DD'),
                   CASE WHEN c.days_done > 0 THEN to_char(c.complete_until - 1, 'YYYY-MM-DD') END,
                   coalesce((SELECT sum(amount) FROM spend WHERE day >= c.month_start AND day < c.complete_until), 0)::text,
                   coalesce((SELECT sum(amount) FROM spend WHERE day >= c.last_start
                             AND day < least(c.last_start + c.days_done, c.month_start)), 0)::text,
                   round(coalesce((SELECT sum(amount) FROM spend WHERE day >= c.month_start AND day < c.complete_until), 0)
                         / greatest(c.days_done, 1) * (c.month_end - c.month_start), 2)::text
            FROM c
            """, [.int64(asOf), organization.map { .text($0) } ?? .null, .text(currency)]).single("headline")
        let (month, through, toDate, lastMonth, projected) = try row.decode(String.self, String?.self, String.self, String.self, String.self)
        return ReportFigures.Headline(month: month, throughDay: through, monthToDate: toDate, sameDayLastMonth: lastMonth, projectedMonthEnd: projected)
    }

    /// Cumulative spend by day of month: the month of `asOf` over its complete days, and the month before.
    private func months(asOf: Int64, organization: String?, currency: String) throws -> ([ReportFigures.DayAmount], [ReportFigures.DayAmount]) {
        func cumulative(from: String, to: String) throws -> [ReportFigures.DayAmount] {
            try connection.query("""
                SELECT to_char(d, 'YYYY-MM-DD'),
                       sum(coalesce((SELECT sum(amount) FROM analytics.daily_spend s WHERE s.day = d::date AND s.currency = $3
                                     AND ($4::text IS NULL OR s.organization_id = $4)), 0)) OVER (ORDER BY d)::text
                FROM generate_series($1::date, $2::date - 1, interval '1 day') d ORDER BY d
                """, [.text(from), .text(to), .text(currency), organization.map { .text($0) } ?? .null]).typedRows.map { row in
                let (day, amount) = try row.decode(String.self, String.self)
                return ReportFigures.DayAmount(day: day, amount: amount)
            }
        }
        let bounds = try connection.query("""
            SELECT to_char(date_trunc('month', to_timestamp($1)), 'YYYY-MM-DD'), to_char(\(Self.completeUntil), 'YYYY-MM-DD'),
                   to_char(date_trunc('month', to_timestamp($1)) - interval '1 month', 'YYYY-MM-DD')
            """, [.int64(asOf)]).single("months")
        let (monthStart, completeUntil, lastStart) = try bounds.decode(String.self, String.self, String.self)
        return (try cumulative(from: monthStart, to: completeUntil), try cumulative(from: lastStart, to: monthStart))
    }

    /// Every budget at `asOf` (each in its own currency) that concerns the organization (all, without
    /// one), with its month's cumulative spend by day in the budget's own scope.
    private func budgets(asOf: Int64, organization: String?) throws -> [ReportFigures.Budget] {
        let parameters: [PostgresValue] = [.int64(asOf), organization.map { .text($0) } ?? .null]
        // The budgets the report shows, once, for both queries below.
        let shown = """
            WITH shown AS (
                SELECT b.*, p.name AS project_name FROM analytics.budget_status_at(to_timestamp($1)) b
                LEFT JOIN analytics.projects p ON p.project_id = b.project_id
                WHERE $2::text IS NULL OR b.organization_id = $2
                   OR (b.organization_id IS NULL AND (b.scope = 'organization' OR p.organization_id IS NULL OR p.organization_id = $2))
            )
            """
        // Each budget's spend to each day of its month, in its own scope as budget_status_at sums
        // it (its organization, every one when none; its project when it has one), all in one query.
        var cumulative: [Int: [ReportFigures.DayAmount]] = [:]
        for row in try connection.query(shown + """
            SELECT s.budget_id, to_char(d, 'YYYY-MM-DD'),
                   sum(coalesce(spent.amount, 0)) OVER (PARTITION BY s.budget_id ORDER BY d)::text
            FROM shown s
            CROSS JOIN LATERAL generate_series(s.month, least((to_timestamp($1) AT TIME ZONE 'UTC')::date,
                                                              (s.month + interval '1 month' - interval '1 day')::date), interval '1 day') d
            LEFT JOIN LATERAL (
                SELECT sum(amount) AS amount FROM analytics.daily_spend ds
                WHERE ds.currency = s.currency AND ds.day = d::date
                  AND (s.organization_id IS NULL OR ds.organization_id = s.organization_id)
                  AND (s.scope <> 'project' OR s.project_id IS NULL OR ds.project_id = s.project_id)
            ) spent ON true
            ORDER BY s.budget_id, d
            """, parameters).typedRows {
            let (budget, day, amount) = try row.decode(Int.self, String.self, String.self)
            cumulative[budget, default: []].append(ReportFigures.DayAmount(day: day, amount: amount))
        }
        return try connection.query(shown + """
            SELECT budget_id, name, scope, currency, organization_id, project_id, project_name, monthly_amount::text, spend_to_date::text,
                   projected_month_end::text, status, extract(day FROM (month + interval '1 month' - interval '1 day'))::int
            FROM shown ORDER BY name, budget_id
            """, parameters).typedRows.map { row in
            let (budget, name, scope, currency, budgetOrganization, project, projectName, monthly, toDate, projected, status, days) =
                try row.decode(Int.self, String.self, String.self, String.self, String?.self, String?.self, String?.self, String.self,
                               String.self, String.self, String.self, Int.self)
            return ReportFigures.Budget(name: name, scope: scope, currency: currency, organization: budgetOrganization, projectID: project,
                                        projectName: projectName, monthlyAmount: monthly, spendToDate: toDate, projectedMonthEnd: projected,
                                        status: status, cumulative: cumulative[budget] ?? [], daysInMonth: days)
        }
    }

    /// Spend per day of the top projects by spend, the rest as "other".
    private func dailySpendByProject(days: [String], scope: String, parameters: [PostgresValue]) throws -> ReportFigures.DailySeries<String> {
        let rows = try connection.query("""
            WITH spend AS (
                SELECT project_name, project_id, day, sum(amount) AS amount
                FROM analytics.daily_spend WHERE \(scope) AND currency = $4 GROUP BY 1, 2, 3
            ), ranked AS (
                -- A name two projects share, or one that reads like the rest's label, gets its id.
                SELECT project_id,
                       CASE WHEN project_name IS NULL THEN coalesce(project_id, '(no project)')
                            WHEN count(*) OVER (PARTITION BY project_name) > 1 OR project_name = 'other projects'
                            THEN project_name || ' (' || project_id || ')'
                            ELSE project_name END AS project,
                       row_number() OVER (ORDER BY sum(amount) DESC, project_id) AS rank
                FROM spend GROUP BY project_id, project_name
            )
            SELECT CASE WHEN r.rank <= \(Self.topProjects) THEN r.project ELSE 'other projects' END,
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
            SELECT CASE WHEN r.rank <= \(Self.topModels) THEN t.model ELSE 'other models' END, min(r.rank), to_char(t.day, 'YYYY-MM-DD'),
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
    private func top(key: String, currency: String, names: String, name: String, status: String, detail: String, scope: String,
                     parameters: [PostgresValue]) throws -> [ReportFigures.TopEntry] {
        try connection.query("""
            WITH t AS (
                SELECT \(key) AS id, sum(input_tokens + output_tokens)::bigint AS tokens, sum(num_model_requests)::bigint AS requests
                FROM analytics.daily_tokens WHERE \(scope) AND \(key) IS NOT NULL GROUP BY 1
                ORDER BY 2 DESC, 1 LIMIT \(Self.topEntries)
            )
            , c AS (
                SELECT \(key) AS id, sum(amount) AS cost FROM analytics.cost_allocation
                WHERE \(scope) AND currency = $4 AND \(key) IN (SELECT id FROM t) GROUP BY 1
            )
            SELECT t.id, \(name), \(status), \(detail), t.tokens, t.requests, coalesce(c.cost, 0)::text
            FROM t LEFT JOIN c USING (id) \(names) ORDER BY t.tokens DESC, t.id
            """, parameters + [.text(currency)]).typedRows.map { row in
            let (id, name, status, detail, tokens, requests, cost) =
                try row.decode(String.self, String?.self, String?.self, String?.self, Int64.self, Int64.self, String.self)
            return ReportFigures.TopEntry(id: id, name: name, status: status, detail: detail, tokens: tokens, requests: requests, allocatedCost: cost)
        }
    }

    /// The range's anomalies of complete days and hours (a day still running reads as a drop), the
    /// critical first, at most 50; and how many there are. Parameters: since, until, organization, asOf.
    private func anomalies(parameters: [PostgresValue]) throws -> ([ReportFigures.Anomaly], Int) {
        let filter = """
            FROM analytics.anomalies
            WHERE period_start >= to_timestamp($1) AT TIME ZONE 'UTC' AND period_start < to_timestamp($2) AT TIME ZONE 'UTC'
              AND ($3::text IS NULL OR organization_id = $3)
              AND period_start + CASE grain WHEN 'hour' THEN interval '1 hour' ELSE interval '1 day' END <= to_timestamp($4) AT TIME ZONE 'UTC'
            """
        let total = try connection.query("SELECT count(*) \(filter)", parameters).single("anomalies").decode(Int.self)
        let rows = try connection.query("""
            SELECT grain, to_char(period_start, 'YYYY-MM-DD"T"HH24:MI"Z"'), coalesce(project_name, project_id), model, metric,
                   round(value::numeric, 2)::text, round(baseline_median::numeric, 2)::text, direction, severity
            \(filter)
            ORDER BY severity = 'critical' DESC, period_start DESC, metric LIMIT 50
            """, parameters).typedRows.map { row in
            let (grain, start, project, model, metric, value, median, direction, severity) =
                try row.decode(String.self, String.self, String?.self, String?.self, String.self, String.self, String.self, String.self, String.self)
            return ReportFigures.Anomaly(grain: grain, periodStart: start, project: project, model: model, metric: metric, value: value,
                                         baselineMedian: median, direction: direction, severity: severity)
        }
        return (rows, total)
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
